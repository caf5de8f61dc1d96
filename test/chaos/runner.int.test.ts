import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assignFaultIds } from '../../chaos/plan.ts';
import { faultContext, healEverything, residualFaults } from '../../chaos/residual.ts';
import { startFaultPlan } from '../../chaos/runner.ts';
import { readProxy } from '../../chaos/toxiproxy.ts';
import type { PlannedFault } from '../../chaos/types.ts';
import type { FaultEvent } from '../../checker/types.ts';
import { startLocalEnvironment } from '../../services/local.ts';
import type { Environment } from '../../services/types.ts';

const now = () => performance.now() * 1e6;

describe('fault plan runner (real services)', () => {
  let env: Environment;
  before(async () => {
    env = await startLocalEnvironment();
  });
  after(async () => {
    await env?.stop();
  });

  it('starts and heals a 2-entry plan on schedule, emitting start/heal events in order', async () => {
    const plan: PlannedFault[] = [
      // Both in effect from 600 ms to 1600 ms; 500 ms between events keeps their order on a busy machine.
      { fault: 'partition', target: 'mysql', params: { mode: 'disable' }, at: 600, duration: 1500 },
      { fault: 'latency', target: 'redis', params: { latencyMs: 10 }, at: 100, duration: 1500 },
    ];
    const events: FaultEvent[] = [];
    const loadStartNs = now();
    const run = startFaultPlan(assignFaultIds(plan), {
      env,
      now,
      onEvent: (e) => events.push(e),
      loadStartNs,
    });
    try {
      // Waits for both starts (bounded) rather than for a fixed time.
      const deadline = Date.now() + 5000;
      while (events.filter((e) => e.phase === 'start').length < 2 && Date.now() < deadline) await sleep(20);
      const ctx = faultContext(env);
      const [redisProxy, mysqlProxy] = await Promise.all([
        readProxy(ctx.toxiproxy, env.endpoints.toxiproxy.proxies.redis),
        readProxy(ctx.toxiproxy, env.endpoints.toxiproxy.proxies.mysql),
      ]);
      assert.ok(
        events.every((e) => e.phase === 'start'),
        'both faults were read in effect before either heal',
      );
      assert.deepEqual(
        redisProxy.toxics.map((t) => [t.type, t.stream, t.attributes.latency]),
        [['latency', 'downstream', 10]],
      );
      assert.equal(mysqlProxy.enabled, false);
      await run.done;
    } finally {
      await run.healAll();
    }
    assert.deepEqual(
      events.map((e) => `${e.phase} ${e.id} ${e.name}`),
      [
        'start redis-latency#1 redis-latency',
        'start mysql-partition#1 mysql-partition',
        'heal redis-latency#1 redis-latency',
        'heal mysql-partition#1 mysql-partition',
      ],
    );
    const offsetsMs = events.map((e) => (e.atNs - loadStartNs) / 1e6);
    // Never early; late by a busy machine's scheduling and Toxiproxy's answer, well under a second.
    [100, 600, 1600, 2100].forEach((planned, i) => {
      const actual = offsetsMs[i] ?? Number.NaN;
      assert.ok(
        actual >= planned && actual < planned + 1000,
        `event ${i} at ${actual}ms, planned ${planned}ms`,
      );
    });
    assert.deepEqual(
      events.map((e) => [e.kind, e.target, e.params]),
      [
        ['latency', 'redis', { latencyMs: 10 }],
        ['partition', 'mysql', { mode: 'disable' }],
        ['latency', 'redis', { latencyMs: 10 }],
        ['partition', 'mysql', { mode: 'disable' }],
      ],
    );
    assert.deepEqual(await residualFaults(env), []);
  });

  it('healAll in the middle of faults heals every started one, cancels the rest, leaves nothing behind', async () => {
    const plan: PlannedFault[] = [
      { fault: 'latency', target: 'redis', at: 0, duration: 60_000 },
      { fault: 'latency', target: 'redis', params: { latencyMs: 5 }, at: 0, duration: 60_000 },
      { fault: 'partition', target: 'mysql', at: 0, duration: 60_000 },
      { fault: 'partition', target: 'redis', params: { mode: 'disable' }, at: 0, duration: 60_000 },
      { fault: 'redis-crash', at: 0, duration: 60_000 },
      { fault: 'mysql-pause', at: 0, duration: 60_000 },
      { fault: 'reset-peer', target: 'mysql', at: 30_000, duration: 1000 },
    ];
    const events: FaultEvent[] = [];
    const run = startFaultPlan(assignFaultIds(plan), {
      env,
      now,
      onEvent: (e) => events.push(e),
      loadStartNs: now(),
    });
    const deadline = Date.now() + 5000;
    while (events.length < 6 && Date.now() < deadline) await sleep(20);
    assert.equal(events.length, 6, 'six faults started');
    assert.ok((await residualFaults(env)).length >= 7, 'faults are in effect before healAll');
    const healStarted = performance.now();
    await run.healAll();
    await run.done;
    assert.ok(performance.now() - healStarted < 5000, 'healAll does not wait for the planned heals');
    assert.deepEqual(await residualFaults(env), []);
    const started = events.filter((e) => e.phase === 'start').map((e) => e.id);
    const healed = events.filter((e) => e.phase === 'heal').map((e) => e.id);
    assert.deepEqual([...healed].sort(), [...started].sort(), 'every start has its heal');
    assert.ok(!events.some((e) => e.name === 'mysql-reset-peer'), 'the pending fault never started');
    await run.healAll();
    assert.equal(events.length, 12, 'a second healAll emits nothing');
  });

  it('residualFaults names each leftover and healEverything clears them', async () => {
    const ctx = faultContext(env);
    const proxy = await ctx.toxiproxy.get(env.endpoints.toxiproxy.proxies.mysql);
    await proxy.addToxic({
      name: 'stray',
      type: 'latency',
      stream: 'upstream',
      toxicity: 1,
      attributes: { latency: 1 },
    });
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    await env.processes?.pauseRedis();
    const pid = env.processes?.pids().redis;
    assert.deepEqual(await residualFaults(env), [
      `proxy ${proxy.name} is disabled`,
      `toxic stray (latency, upstream) is still on proxy ${proxy.name}`,
      `redis-server (pid ${pid}) is stopped`,
    ]);
    await healEverything(ctx);
    assert.deepEqual(await residualFaults(env), []);
  });

  it('a fault that fails to start rejects done and the runner heals the rest', async () => {
    await env.processes?.crashRedis();
    const events: FaultEvent[] = [];
    const run = startFaultPlan(
      assignFaultIds([
        { fault: 'latency', target: 'mysql', at: 0, duration: 60_000 },
        { fault: 'redis-pause', at: 50, duration: 60_000 },
      ]),
      { env, now, onEvent: (e) => events.push(e), loadStartNs: now() },
    );
    await assert.rejects(run.done, /fault redis-pause#1 failed to start: redis-server is not running/);
    await run.healAll();
    assert.deepEqual(
      events.map((e) => `${e.phase} ${e.id}`),
      ['start mysql-latency#1', 'heal mysql-latency#1'],
    );
    assert.deepEqual(await residualFaults(env), [], 'the sweep also restarted the crashed Redis');
  });
});
