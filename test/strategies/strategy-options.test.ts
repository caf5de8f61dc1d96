import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { findStrategy, strategyEntries } from '../../strategies/registry.ts';
import { checkStrategyOptions } from '../../strategies/strategy-options.ts';
import type { StrategyEntry } from '../../strategies/types.ts';

const entry = (name: string): StrategyEntry => {
  const found = findStrategy(name);
  assert.ok(found, name);
  return found;
};

describe('checkStrategyOptions', () => {
  it('accepts options the strategies about to run know, with values their readers take', () => {
    checkStrategyOptions([entry('delayed-double-delete')], { delayMs: '250' });
    checkStrategyOptions([entry('tag-as-deleted')], { consistency: 'weak', lockSleepMs: '5' });
    checkStrategyOptions([entry('cache-aside')], { singleFlight: 'true' });
    checkStrategyOptions([entry('db-only')], {});
  });

  it('refuses a name none of them knows, naming the option and the ones they know', () => {
    assert.throws(
      () => checkStrategyOptions([entry('cache-aside')], { delayMs: '5' }),
      /^ConfigurationError: --strategy-option delayMs: no option of cache-aside; known: singleFlight \(cache-aside\)$/,
    );
    assert.throws(
      () => checkStrategyOptions([entry('db-only')], { singleFlight: 'true' }),
      /--strategy-option singleFlight: no option of db-only; known: none$/,
    );
  });

  it('in a matrix, an option applies to the strategies that know it', () => {
    checkStrategyOptions(strategyEntries, { delayMs: '100', consistency: 'strong' });
    assert.throws(
      () => checkStrategyOptions(strategyEntries, { nonsense: '1' }),
      /--strategy-option nonsense:/,
    );
  });

  it('refuses a value the reader would refuse, as one line naming the option', () => {
    assert.throws(
      () => checkStrategyOptions([entry('delayed-double-delete')], { delayMs: 'soon' }),
      /^ConfigurationError: --strategy-option delayMs: expected a non-negative number, got 'soon'$/,
    );
    assert.throws(
      () => checkStrategyOptions([entry('tag-as-deleted')], { consistency: 'eventual' }),
      /--strategy-option consistency: expected one of strong, weak, got 'eventual'$/,
    );
    assert.throws(
      () => checkStrategyOptions([entry('cache-aside')], { singleFlight: 'yes' }),
      /--strategy-option singleFlight: expected true or false, got 'yes'$/,
    );
  });

  it("every option a pattern's file reads is in its registry entry's list, and nothing else", () => {
    for (const strategy of strategyEntries) {
      if (strategy.isControl) continue;
      const source = readFileSync(
        new URL(`../../strategies/patterns/${strategy.name}.ts`, import.meta.url),
        'utf8',
      );
      const read = [
        ...source.matchAll(/(?:number|boolean|choice|string)Option\(\s*context,\s*'([A-Za-z]+)'/g),
      ].map((m) => m[1]);
      assert.deepEqual(
        [...new Set(read)].sort(),
        (strategy.options ?? []).map((o) => o.name).sort(),
        strategy.name,
      );
    }
  });
});
