import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ServiceEndpoints } from '../../services/types.ts';
import {
  DEFAULT_CLIENT_OPTIONS,
  DEFAULT_FLUSH_BATCH_SIZE,
  DEFAULT_FLUSH_INTERVAL_MS,
  defaultStrategyContext,
} from '../../strategies/defaults.ts';

const endpoints: ServiceEndpoints = {
  redis: { direct: { host: '127.0.0.1', port: 1 }, proxied: { host: '127.0.0.1', port: 2 }, db: 0 },
  mysql: {
    direct: { host: '127.0.0.1', port: 3 },
    proxied: { host: '127.0.0.1', port: 4 },
    user: 'u',
    password: 'p',
    database: 'cacheproof_test',
  },
  toxiproxy: { url: 'http://127.0.0.1:5', proxies: { redis: 'redis', mysql: 'mysql' } },
};

it('defaults: through the proxies, bounded client timeouts, no retry forever, no TTL, no hooks', () => {
  const context = defaultStrategyContext(endpoints);
  assert.equal(context.viaProxy, true);
  assert.deepEqual(context.clients, DEFAULT_CLIENT_OPTIONS);
  assert.equal(context.clients.redisMaxRetriesPerRequest, 1);
  assert.equal(context.clients.redisEnableOfflineQueue, false);
  assert.ok(context.clients.redisCommandTimeoutMs > 0 && context.clients.mysqlQueryTimeoutMs > 0);
  assert.equal(context.ttlSeconds, 0);
  assert.equal(context.flushIntervalMs, DEFAULT_FLUSH_INTERVAL_MS);
  assert.equal(context.flushBatchSize, DEFAULT_FLUSH_BATCH_SIZE);
  assert.equal(context.tracer, undefined);
  assert.equal(context.pause, undefined);
  const first = context.now();
  assert.ok(context.now() >= first);
});

it('overrides replace fields, and client options merge one by one', () => {
  const context = defaultStrategyContext(endpoints, {
    viaProxy: false,
    ttlSeconds: 60,
    clients: { mysqlPoolSize: 2 },
  });
  assert.equal(context.viaProxy, false);
  assert.equal(context.ttlSeconds, 60);
  assert.equal(context.clients.mysqlPoolSize, 2);
  assert.equal(context.clients.redisCommandTimeoutMs, DEFAULT_CLIENT_OPTIONS.redisCommandTimeoutMs);
  assert.equal(DEFAULT_CLIENT_OPTIONS.mysqlPoolSize, 16, 'the defaults themselves are untouched');
});
