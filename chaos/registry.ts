import { bandwidthFault } from './bandwidth.ts';
import { calmFault } from './calm.ts';
import { latencyFault } from './latency.ts';
import { mysqlPauseFault } from './mysql-pause.ts';
import { partitionFault } from './partition.ts';
import { redisCrashFault } from './redis-crash.ts';
import { redisPauseFault } from './redis-pause.ts';
import { resetPeerFault } from './reset-peer.ts';
import { slicerFault } from './slicer.ts';
import { slowCloseFault } from './slow-close.ts';
import type { FaultKind } from './types.ts';

/** Every fault kind, by the name plans use. */
export const FAULT_KINDS: readonly FaultKind[] = [
  calmFault,
  latencyFault,
  partitionFault,
  resetPeerFault,
  bandwidthFault,
  slowCloseFault,
  slicerFault,
  redisCrashFault,
  redisPauseFault,
  mysqlPauseFault,
];

/** The kind named `name` (Toxiproxy's spelling with `_`, e.g. `reset_peer`, is accepted too), or undefined. */
export function findFaultKind(name: string): FaultKind | undefined {
  const normalized = name.replaceAll('_', '-');
  return FAULT_KINDS.find((kind) => kind.name === normalized);
}
