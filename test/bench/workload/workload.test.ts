import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createOperationStream,
  findWorkload,
  HOTSPOT_KEY_SHARE,
  HOTSPOT_OP_SHARE,
  type WorkloadSpec,
} from '../../../bench/workload/workload.ts';
import { createScrambler, createZipfian, zeta } from '../../../bench/workload/zipfian.ts';
import { OP_READ, OP_WRITE } from '../../../checker/types.ts';
import { createRng } from '../../../kernel/random.ts';

const spec = (overrides: Partial<WorkloadSpec> = {}): WorkloadSpec => ({
  name: 'ycsb-a',
  readRatio: 0.5,
  distribution: 'zipfian',
  zipfConstant: 0.99,
  keys: 1000,
  valueSize: 16,
  ...overrides,
});

function draw(workload: WorkloadSpec, seed: number, client: number, count: number): Array<[number, number]> {
  const stream = createOperationStream(workload, seed, client);
  const ops: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    stream.next();
    ops.push([stream.kind, stream.key]);
  }
  return ops;
}

describe('prng', () => {
  it('gives the same sequence for the same seed and stream, different ones otherwise', () => {
    const a = createRng(42, 3);
    const b = createRng(42, 3);
    const seqA = Array.from({ length: 100 }, () => a.nextU32());
    const seqB = Array.from({ length: 100 }, () => b.nextU32());
    assert.deepEqual(seqA, seqB);
    const c = createRng(42, 4);
    const d = createRng(43, 3);
    assert.notDeepEqual(
      Array.from({ length: 100 }, () => c.nextU32()),
      seqA,
    );
    assert.notDeepEqual(
      Array.from({ length: 100 }, () => d.nextU32()),
      seqA,
    );
  });

  it('draws floats in [0, 1) with mean about 0.5 and bounded ints without bias', () => {
    const rng = createRng(7, 0);
    let sum = 0;
    const counts = new Array<number>(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const x = rng.nextFloat();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      const k = rng.nextInt(6);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
    for (const count of counts) assert.ok(Math.abs(count / n - 1 / 6) < 0.01, `share ${count / n}`);
  });
});

describe('workload streams', () => {
  it('the same seed gives the same operation sequence per client, whatever other clients draw', () => {
    const workload = spec();
    const alone = draw(workload, 9, 5, 500);
    draw(workload, 9, 4, 10_000);
    assert.deepEqual(draw(workload, 9, 5, 500), alone);
    assert.notDeepEqual(draw(workload, 9, 6, 500), alone);
    assert.notDeepEqual(draw(workload, 10, 5, 500), alone);
  });

  it('keeps the read ratio of each preset within 1%', () => {
    for (const name of ['ycsb-a', 'ycsb-b', 'ycsb-c', 'write-heavy']) {
      const preset = findWorkload(name);
      assert.ok(preset);
      const ops = draw(spec({ readRatio: preset.readRatio }), 1, 0, 50_000);
      const reads = ops.filter(([kind]) => kind === OP_READ).length / ops.length;
      assert.ok(Math.abs(reads - preset.readRatio) < 0.01, `${name}: ${reads}`);
    }
    assert.ok(draw(spec({ readRatio: 1 }), 1, 0, 1000).every(([kind]) => kind === OP_READ));
    assert.ok(draw(spec({ readRatio: 0 }), 1, 0, 1000).every(([kind]) => kind === OP_WRITE));
  });

  it('draws keys only in 1..keys for every distribution', () => {
    for (const distribution of ['uniform', 'zipfian', 'hotspot', 'latest'] as const) {
      for (const keys of [1, 2, 3, 97]) {
        for (const [, key] of draw(spec({ distribution, keys }), 3, 1, 2000)) {
          assert.ok(Number.isInteger(key) && key >= 1 && key <= keys, `${distribution}/${keys}: ${key}`);
        }
      }
    }
  });

  it('uniform spreads evenly; hotspot sends 80% of operations to 20% of keys', () => {
    const n = 50_000;
    const uniform = draw(spec({ distribution: 'uniform', keys: 10 }), 2, 0, n);
    const perKey = new Array<number>(11).fill(0);
    for (const [, key] of uniform) perKey[key] = (perKey[key] ?? 0) + 1;
    for (let key = 1; key <= 10; key++) assert.ok(Math.abs((perKey[key] ?? 0) / n - 0.1) < 0.01);

    const hotspot = draw(spec({ distribution: 'hotspot', keys: 1000 }), 2, 0, n);
    const hot = hotspot.filter(([, key]) => key <= 1000 * HOTSPOT_KEY_SHARE).length / n;
    assert.ok(Math.abs(hot - HOTSPOT_OP_SHARE) < 0.01, `hot share ${hot}`);
  });

  it('latest reads favour the keys just behind the write frontier', () => {
    const ops = draw(spec({ distribution: 'latest', readRatio: 0.5, keys: 10_000 }), 4, 0, 20_000);
    let nearFrontier = 0;
    let reads = 0;
    ops.forEach(([kind, key], index) => {
      if (kind !== OP_READ) return;
      reads++;
      const frontier = (Math.floor(index * 0.5) % 10_000) + 1;
      const behind = (frontier - key + 10_000) % 10_000;
      if (behind < 10) nearFrontier++;
    });
    // Zipf(0.99) over 10 000 keys puts about 30% of the mass on the first 10 ranks.
    const expected =
      Array.from({ length: 10 }, (_, i) => 1 / (i + 1) ** 0.99).reduce((a, b) => a + b) / zeta(10_000, 0.99);
    assert.ok(Math.abs(nearFrontier / reads - expected) < 0.02, `${nearFrontier / reads} vs ${expected}`);
  });
});

describe('zipfian', () => {
  it('gives rank 0 and rank 1 their exact Zipf probabilities', () => {
    for (const items of [1000, 1_000_000]) {
      const zipf = createZipfian(items, 0.99);
      const rng = createRng(11, 0);
      const n = 200_000;
      let first = 0;
      let second = 0;
      for (let i = 0; i < n; i++) {
        const rank = zipf.nextRank(rng);
        assert.ok(rank >= 0 && rank < items);
        if (rank === 0) first++;
        else if (rank === 1) second++;
      }
      const zetaN = zeta(items, 0.99);
      assert.ok(Math.abs(first / n - 1 / zetaN) < 0.005, `${items}: rank 0 ${first / n} vs ${1 / zetaN}`);
      assert.ok(Math.abs(second / n - 1 / 2 ** 0.99 / zetaN) < 0.005, `${items}: rank 1 ${second / n}`);
    }
  });

  it('knows zeta(1000, 0.99) and refuses invalid parameters', () => {
    assert.ok(Math.abs(zeta(1000, 0.99) - 7.729) < 0.001, String(zeta(1000, 0.99)));
    assert.throws(() => createZipfian(0), RangeError);
    assert.throws(() => createZipfian(10, 1), RangeError);
  });

  it('scrambles ranks onto every key exactly once, the hottest not on key 1, neighbours apart', () => {
    for (const items of [1, 2, 1000, 1024, 9973]) {
      const scramble = createScrambler(items);
      const keys = new Set(Array.from({ length: items }, (_, rank) => scramble(rank)));
      assert.equal(keys.size, items);
      for (const key of keys) assert.ok(Number.isInteger(key) && key >= 0 && key < items);
    }
    const scramble = createScrambler(1000);
    assert.notEqual(scramble(0), 0);
    assert.ok(Math.abs(scramble(1) - scramble(0)) > 1);
  });
});
