import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helpText, listText } from '../../../bench/cli/help.ts';
import { OPTION_NAMES } from '../../../bench/cli/options.ts';

describe('help and list', () => {
  it('documents every option the parser accepts', () => {
    const text = helpText();
    for (const name of OPTION_NAMES) assert.match(text, new RegExp(`--${name}\\b`), name);
    assert.match(text, /Exit codes: 0 ok · 1 the harness failed · 2 invalid arguments/);
  });

  it('lists strategies and workloads', () => {
    const text = listText([
      { name: 'db-only', summary: 'no cache' },
      { name: 'cache-aside', summary: 'update MySQL, then delete' },
    ]);
    assert.match(
      text,
      /^Strategies\n {2}db-only {6}no cache\n {2}cache-aside {2}update MySQL, then delete\n/,
    );
    assert.match(text, /\n {2}ycsb-c {7}read only: 100% reads, zipfian keys\n/);
  });
});
