/** How {@link formatTextTable} lays out columns. */
export interface TextTableOptions {
  /** Per column: 'left' (default) or 'right' (numbers). */
  align?: ReadonlyArray<'left' | 'right'>;
}

/**
 * A fixed-width text table: the header, a rule of dashes, then the rows, columns two spaces
 * apart, trailing blanks trimmed. Returned without a final newline (printing is the caller's).
 */
export function formatTextTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  options: TextTableOptions = {},
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        options.align?.[column] === 'right'
          ? cell.padStart(widths[column] ?? 0)
          : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
