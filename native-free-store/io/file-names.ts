/** Store files are named by a 20-digit, zero-padded start offset, as RocketMQ names them. */
export const FILE_NAME_DIGITS = 20;

export function offsetFileName(startOffset: number): string {
  return String(startOffset).padStart(FILE_NAME_DIGITS, '0');
}

/** Start offsets of the files in a listing that are named by offset, ascending. */
export function offsetFileStarts(names: readonly string[]): number[] {
  const starts: number[] = [];
  for (const name of names) {
    if (name.length === FILE_NAME_DIGITS && /^\d+$/.test(name)) starts.push(Number(name));
  }
  return starts.sort((a, b) => a - b);
}
