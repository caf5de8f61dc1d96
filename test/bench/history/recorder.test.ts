import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadHistory, saveHistory } from '../../../bench/history/history-file.ts';
import { HistoryRecorder, OPEN_AT_STOP, OTHER_ERROR } from '../../../bench/history/recorder.ts';
import {
  OP_READ,
  OP_WRITE,
  OUTCOME_FAIL,
  OUTCOME_INFO,
  OUTCOME_OK,
  SOURCE_CACHE,
  SOURCE_DB,
  SOURCE_NONE,
} from '../../../checker/types.ts';
import { ConfigurationError } from '../../../kernel/index.ts';

describe('HistoryRecorder', () => {
  it('grows past its initial capacity and keeps every row', () => {
    const recorder = new HistoryRecorder(4);
    for (let i = 0; i < 100; i++) {
      const op = recorder.invoke(i % 3, i % 2 === 0 ? OP_READ : OP_WRITE, 1000 + i, i * 10);
      assert.equal(op, i);
      recorder.complete(op, i * 10 + 5, OUTCOME_OK, i, i % 2 === 0 ? SOURCE_DB : SOURCE_NONE);
    }
    assert.equal(recorder.length, 100);
    assert.equal(recorder.capacity, 128);
    const history = recorder.toHistory();
    assert.equal(history.length, 100);
    assert.equal(history.key.length, 100);
    for (let i = 0; i < 100; i++) {
      assert.equal(history.client[i], i % 3);
      assert.equal(history.kind[i], i % 2 === 0 ? OP_READ : OP_WRITE);
      assert.equal(history.key[i], 1000 + i);
      assert.equal(history.invokeNs[i], i * 10);
      assert.equal(history.completeNs[i], i * 10 + 5);
      assert.equal(history.version[i], i);
    }
  });

  it('interns error kinds: index 0 is none, the same kind gets the same index', () => {
    const recorder = new HistoryRecorder();
    const ops = [0, 1, 2, 3].map((i) => recorder.invoke(0, OP_READ, i, i));
    recorder.complete(ops[0] as number, 1, OUTCOME_OK, 1, SOURCE_CACHE);
    recorder.complete(ops[1] as number, 2, OUTCOME_INFO, -1, SOURCE_NONE, 'timeout');
    recorder.complete(ops[2] as number, 3, OUTCOME_FAIL, -1, SOURCE_NONE, 'connection-refused');
    recorder.complete(ops[3] as number, 4, OUTCOME_INFO, -1, SOURCE_NONE, 'timeout');
    const history = recorder.toHistory();
    assert.deepEqual(history.errorKinds, ['', 'timeout', 'connection-refused']);
    assert.deepEqual([...history.error], [0, 1, 2, 1]);
  });

  it('folds error kinds beyond the 8-bit column into "other"', () => {
    const recorder = new HistoryRecorder();
    for (let i = 0; i < 300; i++) {
      recorder.complete(recorder.invoke(0, OP_READ, 1, i), i, OUTCOME_FAIL, -1, SOURCE_NONE, `kind-${i}`);
    }
    const history = recorder.toHistory();
    assert.equal(history.errorKinds.length, 256);
    assert.equal(history.errorKinds[255], OTHER_ERROR);
    assert.equal(history.errorKinds[history.error[299] as number], OTHER_ERROR);
    assert.equal(history.errorKinds[history.error[10] as number], 'kind-10');
  });

  it('leaves an open operation as info with unknown version, and closeOpen closes only those', () => {
    const recorder = new HistoryRecorder();
    const done = recorder.invoke(0, OP_WRITE, 1, 10);
    const open = recorder.invoke(1, OP_WRITE, 1, 20);
    const openRead = recorder.invoke(2, OP_READ, 1, 30);
    recorder.complete(done, 15, OUTCOME_OK, 1, SOURCE_NONE);
    assert.equal(recorder.openCount, 2);
    const before = recorder.toHistory();
    assert.equal(before.outcome[open], OUTCOME_INFO);
    assert.ok(Number.isNaN(before.completeNs[open]));
    assert.equal(recorder.closeOpen(100), 2);
    assert.equal(recorder.openCount, 0);
    assert.equal(recorder.closeOpen(200), 0);
    const history = recorder.toHistory();
    assert.deepEqual([...history.completeNs], [15, 100, 100]);
    assert.deepEqual([...history.outcome], [OUTCOME_OK, OUTCOME_INFO, OUTCOME_INFO]);
    assert.deepEqual([...history.version], [1, -1, -1]);
    assert.equal(history.errorKinds[history.error[openRead] as number], OPEN_AT_STOP);
    assert.equal(history.error[done], 0);
    assert.throws(() => recorder.complete(open, 300, OUTCOME_OK, 2, SOURCE_NONE), RangeError);
  });

  it('refuses to complete an operation twice or one never invoked', () => {
    const recorder = new HistoryRecorder();
    const op = recorder.invoke(0, OP_READ, 1, 0);
    recorder.complete(op, 1, OUTCOME_OK, 0, SOURCE_DB);
    assert.throws(() => recorder.complete(op, 2, OUTCOME_OK, 0, SOURCE_DB), RangeError);
    assert.throws(() => recorder.complete(5, 2, OUTCOME_OK, 0, SOURCE_DB), RangeError);
  });

  it('records faults', () => {
    const recorder = new HistoryRecorder();
    const fault = {
      id: 'redis-latency#1',
      name: 'redis-latency',
      phase: 'start' as const,
      atNs: 5,
      kind: 'latency',
      target: 'redis',
      params: { latencyMs: 20 },
    };
    recorder.recordFault(fault);
    assert.deepEqual(recorder.toHistory().faults, [fault]);
  });
});

describe('saveHistory / loadHistory', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cacheproof-history-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips every column, the error kinds and the faults', async () => {
    const recorder = new HistoryRecorder(8);
    for (let i = 0; i < 1000; i++) {
      const op = recorder.invoke(i % 64, i % 20 === 0 ? OP_WRITE : OP_READ, (i * 7919) % 100_003, i * 1234.5);
      if (i % 97 === 0) continue;
      const errorKind = i % 50 === 0 ? 'timeout' : undefined;
      recorder.complete(op, i * 1234.5 + 99.25, errorKind ? OUTCOME_INFO : OUTCOME_OK, i, i % 3, errorKind);
    }
    recorder.closeOpen(2e6);
    recorder.recordFault({
      id: 'redis-crash#1',
      name: 'redis-crash',
      phase: 'start',
      atNs: 1e5,
      kind: 'redis-crash',
      target: 'redis',
      params: {},
    });
    recorder.recordFault({
      id: 'redis-crash#1',
      name: 'redis-crash',
      phase: 'heal',
      atNs: 2e5,
      kind: 'redis-crash',
      target: 'redis',
      params: {},
    });
    const history = recorder.toHistory();
    const file = join(dir, 'history.bin.gz');
    await saveHistory(history, file);
    const loaded = await loadHistory(file);
    assert.equal(loaded.length, 1000);
    assert.deepEqual(loaded, history);
  });

  it('round-trips an empty history', async () => {
    const file = join(dir, 'empty.bin.gz');
    const history = new HistoryRecorder().toHistory();
    await saveHistory(history, file);
    assert.deepEqual(await loadHistory(file), history);
  });

  it('refuses files that are missing, not gzip, not a history or truncated', async () => {
    await assert.rejects(loadHistory(join(dir, 'missing.gz')), ConfigurationError);
    const plain = join(dir, 'plain.txt');
    await writeFile(plain, 'hello');
    await assert.rejects(loadHistory(plain), ConfigurationError);
    const other = join(dir, 'other.gz');
    await writeFile(other, gzipSync(Buffer.alloc(64, 1)));
    await assert.rejects(loadHistory(other), /not a cacheproof history/);

    const recorder = new HistoryRecorder();
    recorder.complete(recorder.invoke(0, OP_READ, 1, 0), 1, OUTCOME_OK, 0, SOURCE_DB);
    const full = join(dir, 'full.gz');
    await saveHistory(recorder.toHistory(), full);
    const bytes = gunzipSync(await readFile(full));
    const truncated = join(dir, 'truncated.gz');
    await writeFile(truncated, gzipSync(bytes.subarray(0, bytes.length - 8)));
    await assert.rejects(loadHistory(truncated), /truncated/);
    const trailing = join(dir, 'trailing.gz');
    await writeFile(trailing, gzipSync(Buffer.concat([bytes, Buffer.alloc(8)])));
    await assert.rejects(loadHistory(trailing), /unexpected data after the history/);
  });
});
