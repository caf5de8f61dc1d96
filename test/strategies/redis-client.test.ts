import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheKey } from '../../strategies/cache-codec.ts';
import { leaseKey } from '../../strategies/patterns/lease.ts';
import { tagKey } from '../../strategies/patterns/tag-as-deleted.ts';
import { clusterQueueKey, versionCounterKey } from '../../strategies/patterns/write-behind.ts';
import { HASH_SLOTS, keySlot, tagOfSlot } from '../../strategies/redis-client.ts';
import { tombstoneKey } from '../../strategies/versioned-cache.ts';

describe('Redis Cluster key slots', () => {
  it("hashes as CLUSTER KEYSLOT does (the values of Redis' documentation), hash tags included", () => {
    assert.equal(keySlot('somekey'), 11058);
    assert.equal(keySlot('foo{hash_tag}'), 2515);
    assert.equal(keySlot('{hash_tag}bar'), 2515);
    // An empty tag is no tag: the whole key is hashed.
    assert.notEqual(keySlot('{}foo'), keySlot(''));
  });

  it("keeps every key a pattern's script touches together on the entry's slot", () => {
    for (const id of [1, 42, 9999, 123_456]) {
      const slot = keySlot(cacheKey(id));
      for (const key of [
        tombstoneKey(id),
        leaseKey(id),
        tagKey(id),
        versionCounterKey(id),
        clusterQueueKey(id),
      ]) {
        assert.equal(keySlot(key), slot, `${key} is on the slot of ${cacheKey(id)}`);
      }
    }
  });

  it('has a hash tag for every slot', () => {
    for (const slot of [0, 1, 2515, 11058, HASH_SLOTS - 1])
      assert.equal(keySlot(`{${tagOfSlot(slot)}}`), slot);
  });
});
