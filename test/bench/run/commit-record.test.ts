import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RowImageParser } from '../../../bench/run/commit-record.ts';

test('the binlog reader keeps the after-image of every items row and nothing else', () => {
  const text = `# at 4
### INSERT INTO \`bench\`.\`items\`
### SET
###   @1=1
###   @2=1
###   @3='a'
### UPDATE \`bench\`.\`items\`
### WHERE
###   @1=1
###   @2=1
###   @3='a'
### SET
###   @1=1
###   @2=2
###   @3='\\x0a###   @2=99'
### DELETE FROM \`bench\`.\`items\`
### WHERE
###   @1=1
###   @2=2
### INSERT INTO \`bench\`.\`other\`
### SET
###   @1=5
###   @2=5
### INSERT INTO \`other_db\`.\`items\`
### SET
###   @1=6
###   @2=6`;
  const parser = new RowImageParser('`bench`.`items`');
  for (const line of text.split('\n')) parser.line(line);
  assert.deepEqual(parser.keys, [1, 1]);
  assert.deepEqual(parser.versions, [1, 2]);
});
