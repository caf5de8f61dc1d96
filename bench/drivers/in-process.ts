import { toError } from '../../kernel/index.ts';
import { createOperationStream } from '../workload/workload.ts';
import { runClosedLoop } from './closed-loop.ts';
import { runOpenLoop } from './open-loop.ts';
import { OperationRunner } from './operation-runner.ts';
import { type DriverOutcome, driverOutcome, failedOutcome, type LoadDriver } from './types.ts';

/**
 * The harness calls the strategy itself: closed loop with one seeded stream per client
 * (`--clients`), or open loop on one seeded stream at a target rate (`--rate`).
 */
export const inProcessDriver: LoadDriver = {
  name: 'in-process',
  summary: 'the harness calls the strategy itself (closed loop with --clients, open loop with --rate)',
  async run(input): Promise<DriverOutcome> {
    const { load, workload, seed, phases } = input;
    const runner = new OperationRunner(input.strategy, input.payload, input.recorder);
    try {
      const outcome =
        load.kind === 'closed'
          ? await runClosedLoop(
              runner,
              Array.from({ length: load.clients }, (_, id) => createOperationStream(workload, seed, id)),
              phases,
            )
          : await runOpenLoop(
              runner,
              createOperationStream(workload, seed, 0),
              load.rate,
              load.maxInFlight,
              input.clock,
              phases,
              load.overflow,
            );
      return driverOutcome(outcome);
    } catch (error) {
      return failedOutcome(toError(error), phases);
    }
  },
};
