import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  findStrategy,
  strategyEntries,
  strategyNames,
  unknownStrategyMessage,
} from '../../strategies/registry.ts';

describe('strategy registry', () => {
  it('knows the four seed patterns, the five fixes and the db-only control by their CLI names', () => {
    assert.deepEqual(strategyNames, [
      'delete-then-update',
      'cache-aside',
      'write-through',
      'write-behind',
      'delayed-double-delete',
      'versioned-set',
      'lease',
      'tag-as-deleted',
      'cdc-invalidate',
      'db-only',
    ]);
    assert.equal(new Set(strategyNames).size, strategyNames.length);
    for (const entry of strategyEntries) {
      assert.equal(typeof entry.factory, 'function');
      assert.ok(entry.summary.length > 10 && !entry.summary.includes('\n'), entry.name);
    }
  });

  it('finds entries by exact name only', () => {
    assert.equal(findStrategy('cache-aside')?.name, 'cache-aside');
    assert.equal(findStrategy('Cache-Aside'), undefined);
    assert.equal(findStrategy('cache'), undefined);
  });

  it('names the unknown strategy and lists the known ones', () => {
    assert.equal(
      unknownStrategyMessage('cache-behind'),
      "unknown strategy 'cache-behind'; known strategies: delete-then-update, cache-aside, write-through, write-behind, " +
        'delayed-double-delete, versioned-set, lease, tag-as-deleted, cdc-invalidate, db-only',
    );
  });
});
