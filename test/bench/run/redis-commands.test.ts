import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDelta, parseCommandStats } from '../../../bench/run/redis-commands.ts';

const INFO = (runId: string, lines: string[]): string =>
  ['# Server', 'redis_version:7.0.15', `run_id:${runId}`, 'tcp_port:6379', '', '# Commandstats', ...lines]
    .join('\r\n')
    .concat('\r\n');

test('INFO commandstats is read per command, subcommands kept, the run id taken', () => {
  const reading = parseCommandStats(
    INFO('abc', [
      'cmdstat_get:calls=12,usec=30,usec_per_call=2.50,rejected_calls=0,failed_calls=0',
      'cmdstat_client|setname:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0,failed_calls=0',
      'cmdstat_EVALSHA:calls=7,usec=70,usec_per_call=10.00,rejected_calls=1,failed_calls=0',
    ]),
  );
  assert.ok(reading);
  assert.equal(reading.runId, 'abc');
  assert.deepEqual(Object.fromEntries(reading.calls), { get: 12, 'client|setname': 2, evalsha: 7 });
  assert.equal(parseCommandStats('# Commandstats\r\ncmdstat_get:calls=1\r\n'), undefined);
});

test('the difference of two readings per command; a restart counts from zero', () => {
  const before = parseCommandStats(INFO('a', ['cmdstat_get:calls=10', 'cmdstat_del:calls=4']));
  const same = parseCommandStats(
    INFO('a', ['cmdstat_get:calls=15', 'cmdstat_del:calls=4', 'cmdstat_set:calls=3']),
  );
  const restarted = parseCommandStats(INFO('b', ['cmdstat_get:calls=2']));
  assert.ok(before && same && restarted);
  const totals = new Map<string, number>();
  assert.equal(addDelta(totals, before, same), false);
  assert.deepEqual(Object.fromEntries(totals), { get: 5, set: 3 });
  assert.equal(addDelta(totals, same, restarted), true);
  assert.deepEqual(Object.fromEntries(totals), { get: 7, set: 3 });
});
