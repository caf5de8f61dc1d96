import { ConfigurationError, toError } from '../../kernel/index.ts';
import type { HttpDriverFigures } from '../../reports/types.ts';
import { HttpLoad, mapAutocannonResult } from './http-load.ts';
import { type HttpService, startHttpService } from './http-service.ts';
import { MAX_MEASURED_OPS, STOP_GRACE_MS, type StopReason } from './phases.ts';
import { type DriverOutcome, driverOutcome, failedOutcome, type LoadDriver } from './types.ts';

/** Slack past a phase's end before autocannon is stopped regardless (the phases stop it first). */
const PHASE_SLACK_MS = 2000;

/**
 * autocannon drives `GET`/`PUT /items/:id` on a small node:http service wrapping the
 * strategy (bench/drivers/http-service.ts), which records each request through the run's
 * recorder as the in-process driver does. One autocannon run serves the warm-up (served,
 * not recorded), a second one the measurement, so autocannon's own figures are of the
 * measured load only; each connection draws its client's seeded stream, continuing across both.
 */
export const httpDriver: LoadDriver = {
  name: 'http',
  summary: 'autocannon drives GET/PUT /items/:id on a small HTTP service wrapping the strategy',
  validate(load) {
    if (load.kind === 'open' && load.overflow === 'queue') {
      throw new ConfigurationError(
        '--no-drop: the http driver paces autocannon, which has no intended start per request; use --driver in-process',
      );
    }
  },
  async run(input): Promise<DriverOutcome> {
    const { phases, recorder } = input;
    let service: HttpService | undefined;
    try {
      // Before the phases start: with no warm-up, measurement (and recording) begins at once.
      service = await startHttpService(input.strategy, recorder, {
        maxKey: input.workload.keys,
        measuring: false,
      });
      const load = new HttpLoad({ ...input, url: service.url });
      const overallRate = input.load.kind === 'open' ? input.load.rate : null;
      void phases.start();
      if (phases.current === 'warm-up') {
        await load.run({ durationMs: phases.warmupMs + PHASE_SLACK_MS, until: phases.measuring });
      }
      let figures: HttpDriverFigures | undefined;
      let issuedAtStop = 0;
      if (await phases.measuring) {
        const measured = await load.run({
          durationMs: phases.durationMs + PHASE_SLACK_MS,
          until: phases.stopped,
          shouldStop: () => {
            if (recorder.issued >= MAX_MEASURED_OPS) phases.stop('op-limit');
            return phases.isStopped;
          },
        });
        phases.stop('duration');
        issuedAtStop = recorder.issued;
        figures = mapAutocannonResult(measured, overallRate);
      }
      const idle = await service.waitIdle(STOP_GRACE_MS);
      const abandonedOps = idle ? 0 : service.inFlight;
      // Answers after the grace period are not recorded; the pipeline closes them as unknown.
      recorder.recording = false;
      await service.close();
      const stopReason: StopReason = phases.stopReason;
      const expected = overallRate === null ? 0 : Math.floor((overallRate * phases.measuredMs) / 1000);
      return driverOutcome(
        {
          measuredMs: phases.measuredMs,
          stopReason,
          droppedOps: Math.max(0, expected - issuedAtStop),
          abandonedOps,
        },
        figures,
      );
    } catch (error) {
      recorder.recording = false;
      await service?.close();
      return failedOutcome(toError(error), phases);
    }
  },
};
