import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { asBuffer, cacheKey, decodeEntry, encodeEntry, readVersion } from '../../strategies/cache-codec.ts';

describe('cache codec', () => {
  it('names the key item:{id}, the id a cluster hash tag', () => {
    assert.equal(cacheKey(42), 'item:{42}');
  });

  it('puts the version in 8 big-endian bytes before the payload', () => {
    const entry = encodeEntry(258, new Uint8Array([7, 8]));
    assert.deepEqual([...entry], [0, 0, 0, 0, 0, 0, 1, 2, 7, 8]);
    assert.deepEqual([...encodeEntry(2 ** 32 + 1, new Uint8Array())], [0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('decodes what it encodes, for any safe version and payload', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.uint8Array({ maxLength: 64 }), (version, payload) => {
        const decoded = decodeEntry(encodeEntry(version, payload));
        assert.equal(decoded.version, version);
        assert.deepEqual([...decoded.payload], [...payload]);
      }),
    );
  });

  it('reads the version of an entry that sits inside a larger buffer', () => {
    const backing = Buffer.concat([Buffer.from([9, 9, 9]), encodeEntry(77, Buffer.from('x'))]);
    assert.equal(readVersion(backing.subarray(3)), 77);
  });

  it('refuses entries shorter than the header and versions it cannot store', () => {
    assert.throws(() => decodeEntry(new Uint8Array(7)), /too short: 7 bytes/);
    assert.throws(() => encodeEntry(-1, new Uint8Array()), RangeError);
    assert.throws(() => encodeEntry(1.5, new Uint8Array()), RangeError);
  });

  it('wraps a Uint8Array as a Buffer over the same bytes', () => {
    const backing = new Uint8Array([1, 2, 3, 4]);
    const view = backing.subarray(1, 3);
    const wrapped = asBuffer(view);
    assert.ok(Buffer.isBuffer(wrapped));
    assert.deepEqual([...wrapped], [2, 3]);
    backing[1] = 9;
    assert.equal(wrapped[0], 9);
  });
});
