import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DelayOffsetTable } from '../../../src/broker/schedule/delay-offset-table.ts';
import { scheduledDestination } from '../../../src/broker/schedule/delay-levels.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';
import { decodeProperties, encodeProperties } from '../../../src/protocol/properties.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function configDir(): string {
  const dir = makeTempDir('delay-offsets');
  cleanups.push(dir.remove);
  return dir.path;
}

describe('broker schedule - send path rewrite', () => {
  it('moves a DELAY message to its level queue with REAL_TOPIC and REAL_QID, clamping the level', () => {
    const properties = encodeProperties({ TAGS: 'A', DELAY: '30', UNIQ_KEY: 'u1' });
    const scheduled = scheduledDestination(properties, 'TopicA', 3, 0, 18);
    expect(scheduled?.topic).toBe('SCHEDULE_TOPIC_XXXX');
    expect(scheduled?.queueId).toBe(17);
    expect(decodeProperties(scheduled!.properties)).toEqual({
      TAGS: 'A',
      DELAY: '18',
      UNIQ_KEY: 'u1',
      REAL_TOPIC: 'TopicA',
      REAL_QID: '3',
    });
    expect(scheduledDestination(encodeProperties({ DELAY: '2' }), 'T', 0, 0, 18)?.queueId).toBe(1);
  });

  it('leaves undelayed, zero, malformed and prepared-transaction messages alone', () => {
    expect(scheduledDestination(encodeProperties({ TAGS: 'A' }), 'T', 0, 0, 18)).toBeUndefined();
    expect(scheduledDestination(encodeProperties({ DELAY: '0' }), 'T', 0, 0, 18)).toBeUndefined();
    expect(scheduledDestination(encodeProperties({ DELAY: '-1' }), 'T', 0, 0, 18)).toBeUndefined();
    expect(scheduledDestination(encodeProperties({ XDELAY: '3' }), 'T', 0, 0, 18)).toBeUndefined();
    expect(
      scheduledDestination(encodeProperties({ DELAY: '3' }), 'T', 0, 0x04, 18),
    ).toBeUndefined();
    expect(scheduledDestination(encodeProperties({ DELAY: '3' }), 'T', 0, 0x08, 18)).toBeDefined();
  });
});

describe('broker schedule - delayOffset.json', () => {
  it("writes RocketMQ's form and reads it back, and quoted keys too", async () => {
    const dir = configDir();
    const table = new DelayOffsetTable(dir);
    table.load();
    expect(table.get(1)).toBe(0);
    table.set(2, 5);
    table.set(1, 7);
    await table.persist();
    const path = join(dir, 'delayOffset.json');
    expect(readFileSync(path, 'utf8')).toBe('{"offsetTable":{1:7,2:5}}');
    const again = new DelayOffsetTable(dir);
    again.load();
    expect([again.get(1), again.get(2), again.get(3)]).toEqual([7, 5, 0]);
    writeFileSync(path, '{\n  "offsetTable": {"4": 12, 5: 3}\n}');
    const quoted = new DelayOffsetTable(dir);
    quoted.load();
    expect([quoted.get(4), quoted.get(5)]).toEqual([12, 3]);
  });

  it('refuses a broken file with its path in the error', () => {
    const dir = configDir();
    writeFileSync(join(dir, 'delayOffset.json'), '{"offsetTable":{1:');
    expect(() => new DelayOffsetTable(dir).load()).toThrow(/delayOffset\.json is not valid/);
  });
});
