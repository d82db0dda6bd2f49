import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GetMessageStatus,
  javaStringHash,
  openStore,
  parseStoreOptions,
} from '../../../native-free-store/index.ts';
import type { MessageInput, MessageStore } from '../../../native-free-store/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { encodeProperties } from '../../../src/protocol/properties.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const SCHEDULE = 'SCHEDULE_TOPIC_XXXX';
const LEVELS = [1000, 5000, 10_000];

function message(topic: string, properties: Record<string, string>): MessageInput {
  return {
    topic,
    queueId: 1,
    body: Buffer.from('delayed'),
    properties: encodeProperties(properties),
    bornTimestamp: 1_700_000_000_000,
    bornHost: { address: '10.0.0.7', port: 50123 },
  };
}

async function open(directory: string): Promise<MessageStore> {
  const store = await openStore({
    directory,
    maxMessageSizeBytes: 4096,
    segmentSizeBytes: 128 * 1024,
    scheduleTopic: SCHEDULE,
    delayLevelsMs: LEVELS,
  });
  cleanups.push(() => store.close());
  return store;
}

/** The one entry at offset 0 is kept by a tagsCode filter of exactly `code` (low 32 bits). */
function matches(store: MessageStore, topic: string, code: number): boolean {
  const read = store.getMessages({
    topic,
    queueId: 1,
    queueOffset: 0,
    maxMessages: 1,
    tagsCodes: new Set([code | 0]),
  });
  return read.status === GetMessageStatus.FOUND && read.messageCount === 1;
}

function storeTimeOf(store: MessageStore, topic: string): number {
  const time = store.getStoreTimeAt(topic, 1, 0);
  if (time === undefined) throw new Error('no store time');
  return time;
}

describe('store - schedule topic tagsCode', () => {
  it('rejects a schedule topic without levels and bad levels, naming the option', () => {
    expect(() => parseStoreOptions({ directory: '/tmp/x', scheduleTopic: SCHEDULE })).toThrow(
      /options\.delayLevelsMs/,
    );
    expect(() =>
      parseStoreOptions({ directory: '/tmp/x', scheduleTopic: SCHEDULE, delayLevelsMs: [1, -2] }),
    ).toThrow(/options\.delayLevelsMs/);
    expect(() => parseStoreOptions({ directory: '/tmp/x', delayLevelsMs: [1000] })).toThrow(
      /options\.scheduleTopic/,
    );
    const parsed = parseStoreOptions({
      directory: '/tmp/x',
      scheduleTopic: SCHEDULE,
      delayLevelsMs: LEVELS,
    });
    expect(parsed.delayLevelsMs).toEqual(LEVELS);
    expect(structuredClone({ scheduleTopic: SCHEDULE, delayLevelsMs: LEVELS })).toEqual({
      scheduleTopic: SCHEDULE,
      delayLevelsMs: LEVELS,
    });
  });

  it('uses store time + level delay (clamped) in the schedule topic, the TAGS hash elsewhere', async () => {
    const dir = makeTempDir('schedule');
    cleanups.push(dir.remove);
    const store = await open(dir.path);
    await store.append([message(SCHEDULE, { TAGS: 'TagA', DELAY: '2', REAL_TOPIC: 'T' })]);
    await store.append([message(`${SCHEDULE}_99`, { TAGS: 'TagA', DELAY: '2' })]);
    const stored = storeTimeOf(store, SCHEDULE);
    expect(matches(store, SCHEDULE, stored + 5000)).toBe(true);
    expect(matches(store, SCHEDULE, javaStringHash('TagA'))).toBe(false);
    expect(matches(store, `${SCHEDULE}_99`, javaStringHash('TagA'))).toBe(true);
  });

  it('clamps levels past the last and keeps the TAGS hash without a DELAY', async () => {
    const dir = makeTempDir('schedule');
    cleanups.push(dir.remove);
    const store = await open(dir.path);
    await store.append([message(SCHEDULE, { DELAY: '40' })]);
    expect(matches(store, SCHEDULE, storeTimeOf(store, SCHEDULE) + 10_000)).toBe(true);
    const otherDir = makeTempDir('schedule-b');
    cleanups.push(otherDir.remove);
    const other = await open(otherDir.path);
    await other.append([message(SCHEDULE, { TAGS: 'TagB', DELAY: 'x' })]);
    expect(matches(other, SCHEDULE, javaStringHash('TagB'))).toBe(true);
  });

  it('recomputes the delivery time when recovery re-dispatches', async () => {
    const dir = makeTempDir('schedule');
    cleanups.push(dir.remove);
    const live = await open(dir.path);
    live.appendBatch([message(SCHEDULE, { DELAY: '3' })]);
    live.writePending();
    const stored = storeTimeOf(live, SCHEDULE);
    // A crash image without consume queues: recovery must rebuild the entry from the record.
    const image = makeTempDir('schedule-image');
    cleanups.push(image.remove);
    cpSync(dir.path, image.path, { recursive: true });
    rmSync(join(image.path, 'consumequeue'), { recursive: true, force: true });
    const reopened = await open(image.path);
    expect(reopened.openInfo.recovery.recordsReplayed).toBeGreaterThanOrEqual(1);
    expect(matches(reopened, SCHEDULE, stored + 10_000)).toBe(true);
  });
});
