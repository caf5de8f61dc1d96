import { readParams, resolveTarget } from './params.ts';
import { processesOf } from './process-control.ts';
import type { FaultKind, FaultTarget } from './types.ts';

const NAME = 'mysql-pause';
const COLOR = '#fb8500';
const TARGETS: readonly FaultTarget[] = ['mysql'];

/** Stops mariadbd with SIGSTOP (connections open, no answers, no commits), SIGCONT at heal. */
export const mysqlPauseFault: FaultKind = {
  name: NAME,
  color: COLOR,
  summary: 'SIGSTOPs mariadbd (connections open, no answers), SIGCONT at heal',
  targets: TARGETS,
  params: {},
  needsProcess: 'MariaDB',
  exclusiveResource: () => 'process mysql',
  create(target, raw) {
    resolveTarget(NAME, TARGETS, target);
    readParams(raw, {});
    return {
      name: NAME,
      color: COLOR,
      target: 'mysql',
      describe: () => 'mariadbd paused (SIGSTOP), resumed at heal (SIGCONT)',
      start: (ctx) => processesOf(ctx, NAME, 'MariaDB').pauseMysql(),
      async heal(ctx) {
        const processes = processesOf(ctx, NAME, 'MariaDB');
        if (processes.pids().mysql !== undefined) await processes.resumeMysql();
      },
    };
  },
};
