import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, joinHtml, jsonForScript } from '../../reports/escape.ts';

const NASTY = `</script><img src=x onerror="alert('x')">&amp;`;

test('escapeHtml turns every markup character of a hostile label into an entity', () => {
  assert.equal(
    escapeHtml(NASTY),
    '&lt;/script&gt;&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;amp;',
  );
});

test('escapeHtml prints numbers and leaves nullish values empty', () => {
  assert.equal(escapeHtml(42), '42');
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(undefined), '');
});

test('jsonForScript cannot close a script element and still parses back to the same value', () => {
  const value = { label: NASTY, comment: '<!-- x -->', separators: '\u2028\u2029' };
  const text = jsonForScript(value);
  assert.doesNotMatch(text, /<|>|&|\u2028|\u2029/);
  assert.deepEqual(JSON.parse(text), value);
});

test('html escapes every interpolated value, in text and attributes, and keeps its own fragments', () => {
  const cell = html`<td data-value="${NASTY}">${NASTY}</td>`;
  assert.equal(cell.markup, `<td data-value="${escapeHtml(NASTY)}">${escapeHtml(NASTY)}</td>`);
  assert.equal(html`<tr>${[cell, cell]}</tr>`.markup, `<tr>${cell.markup}${cell.markup}</tr>`);
  assert.equal(html`${null}${undefined}${0}${false}`.markup, '0false');
  // Markup joined into a plain string is text again, and is escaped.
  assert.equal(html`${[cell].join('')}`.markup, escapeHtml(cell.markup));
  assert.equal(joinHtml([html`<b>a</b>`, '<i>'], ' & ').markup, '<b>a</b> &amp; &lt;i&gt;');
});
