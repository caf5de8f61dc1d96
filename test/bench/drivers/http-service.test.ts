import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_HTTP_KEY, parseItemId } from '../../../bench/drivers/http-service.ts';

describe('parseItemId', () => {
  it('accepts positive integers up to the limit', () => {
    assert.equal(parseItemId('1', 100), 1);
    assert.equal(parseItemId('100', 100), 100);
    assert.equal(parseItemId(String(MAX_HTTP_KEY), MAX_HTTP_KEY), MAX_HTTP_KEY);
  });

  it('refuses zero, negatives, fractions, words and ids over the limit', () => {
    for (const text of ['0', '-1', '1.5', 'abc', '', '1e3', '101', '99999999999999999']) {
      assert.throws(() => parseItemId(text, 100), /id must be/, text);
    }
  });
});
