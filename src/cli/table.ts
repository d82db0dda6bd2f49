/**
 * Plain-text tables for the CLI's human output: each column as wide as its widest cell,
 * two spaces between columns, numbers right-aligned (and the header of an all-number column
 * with them), text left-aligned, no trailing spaces. Scripts use --json instead.
 */

export type Cell = string | number | bigint | boolean | null | undefined;

const GAP = '  ';

function isNumeric(cell: Cell): boolean {
  return typeof cell === 'number' || typeof cell === 'bigint';
}

function textOf(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  // Control characters (a message body's newlines) would break the grid.
  let text = '';
  for (const char of String(cell)) {
    const code = char.codePointAt(0)!;
    text += code < 0x20 || code === 0x7f ? ' ' : char;
  }
  return text;
}

/** Display width: code points, so a multi-byte character counts once. */
function widthOf(text: string): number {
  return Array.from(text).length;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - widthOf(text)));
  return right ? fill + text : text + fill;
}

/** The table as lines joined by "\n", ending with one; headers first. */
export function formatTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly Cell[]>,
): string {
  const columns = headers.length;
  const texts = rows.map((row) => headers.map((_, index) => textOf(row[index])));
  const widths = headers.map((header, index) =>
    texts.reduce((max, row) => Math.max(max, widthOf(row[index]!)), widthOf(header)),
  );
  const numericColumn = headers.map(
    (_, index) =>
      rows.length > 0 &&
      rows.every((row) => isNumeric(row[index]) || row[index] === undefined || row[index] === null),
  );
  const line = (cells: readonly string[], numeric: (index: number) => boolean): string =>
    cells
      .map((cell, index) =>
        pad(cell, index === columns - 1 && !numeric(index) ? 0 : widths[index]!, numeric(index)),
      )
      .join(GAP)
      .trimEnd();
  const out = [line(headers, (index) => numericColumn[index]!)];
  rows.forEach((row, rowIndex) => {
    out.push(line(texts[rowIndex]!, (index) => isNumeric(row[index])));
  });
  return `${out.join('\n')}\n`;
}

/** "key  value" lines with the keys padded to one width, in the order given. */
export function formatKeyValues(entries: ReadonlyArray<readonly [string, Cell]>): string {
  const width = entries.reduce((max, [key]) => Math.max(max, widthOf(key)), 0);
  return entries
    .map(([key, value]) => `${pad(key, width, false)}  ${textOf(value)}`.trimEnd() + '\n')
    .join('');
}
