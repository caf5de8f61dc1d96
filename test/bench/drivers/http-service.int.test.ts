import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Toxiproxy } from 'toxiproxy-node-client';
import { CLIENT_HEADER, type HttpService, startHttpService } from '../../../bench/drivers/http-service.ts';
import { RunClock } from '../../../bench/history/clock.ts';
import { RunMetrics } from '../../../bench/history/metrics.ts';
import { OperationRecorder } from '../../../bench/history/operation-recorder.ts';
import { HistoryRecorder } from '../../../bench/history/recorder.ts';
import {
  OP_READ,
  OP_WRITE,
  OUTCOME_FAIL,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
} from '../../../checker/types.ts';
import { startLocalEnvironment } from '../../../services/local.ts';
import { MAX_PAYLOAD_BYTES } from '../../../services/schema.ts';
import type { Environment } from '../../../services/types.ts';
import { defaultStrategyContext } from '../../../strategies/defaults.ts';
import { findStrategy } from '../../../strategies/registry.ts';
import type { CacheStrategy } from '../../../strategies/types.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** One HTTP request on a fresh connection (unless an agent is given); the body parsed as JSON. */
function send(
  url: string,
  method: string,
  path: string,
  options: { body?: Buffer; client?: number; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.client !== undefined) headers[CLIENT_HEADER] = String(options.client);
    const req = httpRequest(`${url}${path}`, { method, headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function strategyNamed(name: string, env: Environment, clock: RunClock): Promise<CacheStrategy> {
  const entry = findStrategy(name);
  assert.ok(entry, `${name} is registered`);
  return entry.factory(defaultStrategyContext(env.endpoints, { now: clock.now }));
}

let env: Environment;
const clock = new RunClock();

before(async () => {
  env = await startLocalEnvironment();
});

after(async () => {
  await env?.stop();
});

describe('HTTP service over a real strategy (cache-aside on local Redis and MariaDB)', () => {
  let strategy: CacheStrategy;
  let service: HttpService;
  let history: HistoryRecorder;
  let metrics: RunMetrics;
  const payload = Buffer.from('cacheproof payload \u00e9', 'utf8');

  before(async () => {
    strategy = await strategyNamed('cache-aside', env, clock);
    history = new HistoryRecorder(64);
    metrics = new RunMetrics();
    service = await startHttpService(strategy, new OperationRecorder(history, metrics, clock.now, 1000), {
      maxKey: 1000,
    });
  });

  after(async () => {
    await service?.close();
    await strategy?.close();
  });

  it('listens on 127.0.0.1', () => {
    assert.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('PUT writes a new version and GET returns it, first from MySQL then from the cache', async () => {
    const put = await send(service.url, 'PUT', '/items/5', { body: payload, client: 3 });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { id: 5, version: 1 });
    const second = await send(service.url, 'PUT', '/items/5', { body: payload, client: 3 });
    assert.deepEqual(second.body, { id: 5, version: 2 });

    const miss = await send(service.url, 'GET', '/items/5', { client: 4 });
    assert.equal(miss.status, 200);
    assert.equal(miss.headers['content-type'], 'application/json');
    assert.deepEqual(miss.body, {
      id: 5,
      version: 2,
      found: true,
      source: 'db',
      payload: payload.toString('base64'),
    });
    const hit = await send(service.url, 'GET', '/items/5', { client: 4 });
    assert.deepEqual(hit.body, {
      id: 5,
      version: 2,
      found: true,
      source: 'cache',
      payload: payload.toString('base64'),
    });
  });

  it('an absent key is 200 with found false, not 404', async () => {
    const reply = await send(service.url, 'GET', '/items/6');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { id: 6, version: 0, found: false, source: 'db' });
  });

  it('records each item request like the in-process driver: client, kind, key, times, outcome, version, source', () => {
    const recorded = history.toHistory();
    assert.equal(recorded.length, 5);
    assert.equal(history.openCount, 0);
    assert.deepEqual([...recorded.client], [3, 3, 4, 4, recorded.client[4]]);
    assert.deepEqual([...recorded.kind], [OP_WRITE, OP_WRITE, OP_READ, OP_READ, OP_READ]);
    assert.deepEqual([...recorded.key], [5, 5, 5, 5, 6]);
    assert.deepEqual([...recorded.outcome], [OUTCOME_OK, OUTCOME_OK, OUTCOME_OK, OUTCOME_OK, OUTCOME_OK]);
    assert.deepEqual([...recorded.version], [1, 2, 2, 2, 0]);
    assert.deepEqual([...recorded.source].slice(2), [SOURCE_DB, SOURCE_CACHE, SOURCE_DB]);
    for (let op = 0; op < recorded.length; op++) {
      const invoke = recorded.invokeNs[op] as number;
      const complete = recorded.completeNs[op] as number;
      assert.ok(complete >= invoke, `op ${op} completes after it is invoked`);
      if (op > 0)
        assert.ok(invoke >= (recorded.completeNs[op - 1] as number), `op ${op} was sent after op ${op - 1}`);
    }
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.reads, 3);
    assert.equal(snapshot.writes, 2);
    assert.equal(snapshot.cacheHits, 1);
    assert.equal(snapshot.cacheMisses, 2);
    assert.equal(service.issued, 5);
  });

  it('a request without the client header is recorded under its connection', async () => {
    const before = history.length;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await send(service.url, 'GET', '/items/7', { agent });
      await send(service.url, 'GET', '/items/7', { agent });
      await send(service.url, 'GET', '/items/7');
    } finally {
      agent.destroy();
    }
    const recorded = history.toHistory();
    const [first, second, other] = [before, before + 1, before + 2].map((op) => recorded.client[op]);
    assert.equal(first, second, 'same keep-alive connection, same client');
    assert.notEqual(first, other, 'another connection, another client');
  });

  it('bad ids are 400 with a JSON error and leave no history', async () => {
    const before = history.length;
    for (const id of ['abc', '-1', '0', '1.5', '1001', '99999999999999999999', '%20']) {
      const reply = await send(service.url, 'GET', `/items/${id}`);
      assert.equal(reply.status, 400, id);
      assert.match(String(reply.body.error), /id must be/, id);
    }
    const put = await send(service.url, 'PUT', '/items/x', { body: payload });
    assert.equal(put.status, 400);
    assert.equal(history.length, before);
  });

  it('unknown routes are 404 and other methods 405, with no history', async () => {
    const before = history.length;
    for (const path of ['/', '/items', '/items/', '/items/1/extra', '/item/1', '/health']) {
      const reply = await send(service.url, 'GET', path);
      assert.equal(reply.status, 404, path);
      assert.match(String(reply.body.error), /no route/, path);
    }
    const deleted = await send(service.url, 'DELETE', '/items/1');
    assert.equal(deleted.status, 405);
    assert.equal(deleted.headers.allow, 'GET, PUT');
    const posted = await send(service.url, 'POST', '/items/1', { body: payload });
    assert.equal(posted.status, 405);
    assert.equal(history.length, before);
  });

  it('a body over the table limit is 413 and recorded as a write that failed (it never reached the strategy)', async () => {
    const before = history.length;
    const reply = await send(service.url, 'PUT', '/items/8', { body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1) });
    assert.equal(reply.status, 413);
    const recorded = history.toHistory();
    assert.equal(recorded.length, before + 1);
    assert.equal(recorded.outcome[before], OUTCOME_FAIL);
    assert.equal(recorded.errorKinds[recorded.error[before] as number], 'http-413');
    const read = await send(service.url, 'GET', '/items/8');
    assert.equal(read.body.found, false);
  });

  it('a strategy error is 503 with its kind, recorded as info (outcome unknown)', async () => {
    const toxiproxy = new Toxiproxy(env.endpoints.toxiproxy.url);
    const proxy = await toxiproxy.get(env.endpoints.toxiproxy.proxies.mysql);
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    const before = history.length;
    let reply: Reply;
    try {
      reply = await send(service.url, 'PUT', '/items/9', { body: payload, client: 1 });
    } finally {
      await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    }
    assert.equal(reply.status, 503);
    assert.equal(typeof reply.body.error, 'string');
    assert.notEqual(reply.body.error, '');
    const recorded = history.toHistory();
    assert.equal(recorded.outcome[before], OUTCOME_INFO);
    assert.equal(recorded.version[before], -1);
    assert.equal(recorded.errorKinds[recorded.error[before] as number], reply.body.error);
    assert.ok((metrics.errorsByKind.get(String(reply.body.error)) ?? 0) >= 1);
  });

  it('warm-up requests (measuring cleared) are served but not recorded', async () => {
    const before = history.length;
    service.measuring = false;
    try {
      const reply = await send(service.url, 'GET', '/items/5');
      assert.equal(reply.status, 200);
    } finally {
      service.measuring = true;
    }
    assert.equal(history.length, before);
  });
});

describe('HTTP service shutdown', () => {
  let strategy: CacheStrategy;

  before(async () => {
    strategy = await strategyNamed('db-only', env, clock);
  });

  after(async () => {
    await strategy?.close();
  });

  it('a client that hangs up mid-write leaves the write in flight until the strategy answers, then records it ok', async () => {
    const history = new HistoryRecorder(16);
    const service = await startHttpService(
      strategy,
      new OperationRecorder(history, new RunMetrics(), clock.now, 1000),
    );
    const toxiproxy = new Toxiproxy(env.endpoints.toxiproxy.url);
    const proxy = await toxiproxy.get(env.endpoints.toxiproxy.proxies.mysql);
    let hold: { remove(): Promise<void> } | undefined;
    try {
      hold = await proxy.addToxic({
        name: 'hold-write',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 300, jitter: 0 },
      });
      const hungUp = new Promise<void>((resolve) => {
        const req = httpRequest(`${service.url}/items/3`, { method: 'PUT', agent: false });
        req.on('error', () => resolve());
        req.end(Buffer.from('gone'));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50);
      });
      await hungUp;
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(service.inFlight, 1, 'still in flight after the client hung up');
      assert.equal(history.openCount, 1);
      assert.ok(await service.waitIdle(5000));
      const recorded = history.toHistory();
      assert.equal(recorded.length, 1);
      assert.equal(recorded.outcome[0], OUTCOME_OK);
      assert.ok((recorded.version[0] as number) >= 1);
    } finally {
      await hold?.remove();
      await service.close();
    }
  });

  it('close() finishes the request in flight, closes keep-alive sockets, then the port refuses connections', async () => {
    const history = new HistoryRecorder(16);
    const service = await startHttpService(
      strategy,
      new OperationRecorder(history, new RunMetrics(), clock.now, 1000),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const toxiproxy = new Toxiproxy(env.endpoints.toxiproxy.url);
    const proxy = await toxiproxy.get(env.endpoints.toxiproxy.proxies.mysql);
    let hold: { remove(): Promise<void> } | undefined;
    try {
      const idle = await send(service.url, 'GET', '/items/1', { agent });
      assert.equal(idle.status, 200);
      const keptSocket = new Promise<void>((resolve) => {
        for (const sockets of Object.values(agent.freeSockets))
          for (const socket of sockets ?? []) socket.once('close', () => resolve());
      });
      // Hold the next query 300 ms in Toxiproxy so the request is in flight when close() is called.
      hold = await proxy.addToxic({
        name: 'hold',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 300, jitter: 0 },
      });
      const inFlight = send(service.url, 'PUT', '/items/2', { body: Buffer.from('x') });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(service.inFlight, 1);
      const closing = service.close();
      assert.equal(service.close(), closing, 'close() is idempotent');
      const reply = await inFlight;
      assert.equal(reply.status, 200, 'the request in flight was answered');
      assert.equal(reply.headers.connection, 'close');
      await closing;
      await keptSocket;
      assert.equal(service.inFlight, 0);
      assert.equal(history.openCount, 0);
      assert.equal(history.toHistory().outcome[1], OUTCOME_OK);
      assert.ok(await refusesConnections(portOf(service.url)), 'port closed');
    } finally {
      agent.destroy();
      await hold?.remove();
      await service.close();
    }
  });
});
