import { describe, expect, it } from 'vitest';
import { parseStoreOptions, StoreError } from '../../../native-free-store/index.ts';

describe('store options - validation names the option', () => {
  const cases: Array<[string, object, RegExp]> = [
    [
      'flushDiskType',
      { flushDiskType: 'SOMETIMES' },
      /options\.flushDiskType must be 'ASYNC_FLUSH' or 'SYNC_FLUSH' \(got "SOMETIMES"\)/,
    ],
    ['segmentSizeBytes', { segmentSizeBytes: 1.5 }, /options\.segmentSizeBytes must be an integer/],
    [
      'segment too small',
      { segmentSizeBytes: 100_000 },
      /options\.segmentSizeBytes must be at least maxMessageSizeBytes/,
    ],
    ['deleteWhen', { deleteWhen: '25' }, /options\.deleteWhen must be hours of the day/],
    [
      'diskMaxUsedSpaceRatio',
      { diskMaxUsedSpaceRatio: 99 },
      /options\.diskMaxUsedSpaceRatio must be an integer in \[10, 95\]/,
    ],
    ['storeHost', { storeHost: { address: '1.2.3.4', port: 70000 } }, /options\.storeHost must be/],
  ];
  for (const [name, input, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(() => parseStoreOptions({ directory: '/tmp/x', ...input })).toThrow(message);
      expect(() => parseStoreOptions({ directory: '/tmp/x', ...input })).toThrow(StoreError);
    });
  }

  it('fills RocketMQ defaults', () => {
    const options = parseStoreOptions({ directory: '/tmp/x' });
    expect(options).toMatchObject({
      segmentSizeBytes: 1 << 30,
      flushDiskType: 'ASYNC_FLUSH',
      flushIntervalCommitLogMs: 500,
      fileReservedTimeHours: 72,
      deleteWhen: '04',
      diskMaxUsedSpaceRatio: 75,
      consumeQueueEntriesPerFile: 300_000,
    });
    expect(Object.isFrozen(options)).toBe(true);
  });
});
