import { describe, expect, it } from 'vitest';
import { formatKeyValues, formatTable } from '../../../src/cli/table.ts';

describe('cli table - formatTable', () => {
  it('sizes columns from content, right-aligns numbers and left-aligns text', () => {
    const text = formatTable(
      ['#Broker Name', '#QID', '#Max Offset'],
      [
        ['broker-a', 0, 12],
        ['broker-bb', 10, 1234567],
      ],
    );
    expect(text).toBe(
      [
        '#Broker Name  #QID  #Max Offset',
        'broker-a         0           12',
        'broker-bb       10      1234567',
        '',
      ].join('\n'),
    );
  });

  it('pads the header of a text column when a cell is wider, with no trailing spaces', () => {
    const text = formatTable(['#A', '#B'], [['a-long-value', 'x']]);
    expect(text).toBe('#A            #B\na-long-value  x\n');
    for (const line of text.split('\n')) expect(line).toBe(line.trimEnd());
  });

  it('shows empty cells for undefined and null and replaces control characters', () => {
    const text = formatTable(
      ['#K', '#V'],
      [
        ['a\nb', undefined],
        [null, 'c\td'],
      ],
    );
    expect(text).toBe('#K   #V\na b\n     c d\n');
  });

  it('counts a multi-byte character as one column', () => {
    const text = formatTable(
      ['#T', '#N'],
      [
        ['héllo', 1],
        ['日本', 22],
      ],
    );
    expect(text.split('\n')[1]).toBe('héllo   1');
    expect(text.split('\n')[2]).toBe('日本     22');
  });

  it('prints only the header for no rows', () => {
    expect(formatTable(['#Topic', '#QID'], [])).toBe('#Topic  #QID\n');
  });
});

describe('cli table - formatKeyValues', () => {
  it('aligns values after the longest key', () => {
    expect(
      formatKeyValues([
        ['a:', 1],
        ['longer:', 'x'],
      ]),
    ).toBe('a:       1\nlonger:  x\n');
  });
});
