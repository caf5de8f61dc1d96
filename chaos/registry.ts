import { appCrashFault } from './faults/app-crash.ts';
import { bandwidthFault } from './faults/bandwidth.ts';
import { calmFault } from './faults/calm.ts';
import { invalidatorCrashFault } from './faults/invalidator-crash.ts';
import { invalidatorLatencyFault } from './faults/invalidator-latency.ts';
import { invalidatorPartitionFault } from './faults/invalidator-partition.ts';
import { latencyFault } from './faults/latency.ts';
import { mysqlCrashFault } from './faults/mysql-crash.ts';
import { mysqlPauseFault } from './faults/mysql-pause.ts';
import { partitionFault } from './faults/partition.ts';
import { redisCrashFault } from './faults/redis-crash.ts';
import { redisFailoverFault } from './faults/redis-failover.ts';
import { redisPauseFault } from './faults/redis-pause.ts';
import { redisRestartFault } from './faults/redis-restart.ts';
import { replicaLagFault } from './faults/replica-lag.ts';
import { resetPeerFault } from './faults/reset-peer.ts';
import { slicerFault } from './faults/slicer.ts';
import { slowCloseFault } from './faults/slow-close.ts';
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
  redisRestartFault,
  redisPauseFault,
  mysqlPauseFault,
  mysqlCrashFault,
  replicaLagFault,
  redisFailoverFault,
  appCrashFault,
  invalidatorPartitionFault,
  invalidatorLatencyFault,
  invalidatorCrashFault,
];

/** The kind named `name` (Toxiproxy's spelling with `_`, e.g. `reset_peer`, is accepted too), or undefined. */
export function findFaultKind(name: string): FaultKind | undefined {
  const normalized = name.replaceAll('_', '-');
  return FAULT_KINDS.find((kind) => kind.name === normalized);
}
