import { describe, expect, it } from 'vitest';
import { bodyCrc32Matches } from '../../../src/namesrv/crc32.ts';
import {
  dataVersionsEqual,
  encodeDataVersion,
  parseDataVersionBody,
  parseRegisterBrokerBody,
} from '../../../src/namesrv/register-body.ts';
import { javaCrc32 } from '../../../src/protocol/java-crc.ts';

function text(value: string): Buffer {
  return Buffer.from(value);
}

const STANDARD_BODY =
  '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1700000000000},' +
  '"topicConfigTable":{"TopicA":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG",' +
  '"topicName":"TopicA","topicSysFlag":0,"writeQueueNums":4}}}}';

describe('namesrv register-body - parsing', () => {
  it('namesrv - reads a Java broker body', () => {
    expect(parseRegisterBrokerBody(text(STANDARD_BODY), 10)).toEqual({
      dataVersion: { counter: 3, timestamp: 1700000000000 },
      topicConfigs: [
        { topicName: 'TopicA', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
      ],
      filterServerList: [],
    });
  });

  it('namesrv - reads fastjson quirks: single quotes, topicSynFlag, a long counter', () => {
    const parsed = parseRegisterBrokerBody(
      text(
        "{'topicConfigSerializeWrapper':{'dataVersion':{'counter':12345678901234567890,'timestamp':1}," +
          "'topicConfigTable':{'T':{'perm':7,'readQueueNums':8,'writeQueueNums':8,'topicSynFlag':1}}}}",
      ),
      10,
    );
    expect(parsed.dataVersion.counter).toBe(12345678901234567890n);
    expect(parsed.topicConfigs[0]).toEqual({
      topicName: 'T',
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 7,
      topicSysFlag: 1,
    });
    expect(parsed.filterServerList).toEqual([]);
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[1,2]', /must be a JSON object/],
    ['{}', /topicConfigSerializeWrapper must be an object/],
    ['{"topicConfigSerializeWrapper":{"topicConfigTable":{}}}', /dataVersion must be an object/],
    [
      '{"topicConfigSerializeWrapper":{"dataVersion":{"counter":"x","timestamp":1}}}',
      /dataVersion.counter must be an integer/,
    ],
    [
      '{"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"timestamp":1},"topicConfigTable":{"T":{"perm":6,"readQueueNums":-1,"writeQueueNums":1}}}}',
      /readQueueNums must be an integer in \[0, 65535\]/,
    ],
    [
      '{"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"timestamp":1},"topicConfigTable":{"T":{"perm":99,"readQueueNums":1,"writeQueueNums":1}}}}',
      /perm must be an integer in \[0, 15\]/,
    ],
    [
      '{"filterServerList":[1],"topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"timestamp":1}}}',
      /filterServerList must be an array of strings/,
    ],
  ])('namesrv - refuses a malformed body %s', (body, message) => {
    expect(() => parseRegisterBrokerBody(text(body), 10)).toThrow(message);
  });

  it('namesrv - refuses a body with more topics than the limit', () => {
    const table = Object.fromEntries(
      ['A', 'B', 'C'].map((t) => [t, { perm: 6, readQueueNums: 1, writeQueueNums: 1 }]),
    );
    const body = JSON.stringify({
      topicConfigSerializeWrapper: {
        dataVersion: { counter: 1, timestamp: 1 },
        topicConfigTable: table,
      },
    });
    expect(() => parseRegisterBrokerBody(text(body), 2)).toThrow(/carries 3 topics.*at most 2/);
  });

  it('namesrv - DataVersion round trip and equality', () => {
    const version = parseDataVersionBody(text('{"counter":7,"timestamp":1700000000123}'));
    expect(encodeDataVersion(version).toString()).toBe('{"counter":7,"timestamp":1700000000123}');
    expect(dataVersionsEqual(version, { counter: 7, timestamp: 1700000000123 })).toBe(true);
    expect(dataVersionsEqual(version, { counter: 8, timestamp: 1700000000123 })).toBe(false);
    expect(() => parseDataVersionBody(undefined)).toThrow(/DataVersion body is missing/);
  });
});

describe('namesrv crc32 - body checks', () => {
  it('namesrv - the CRC of the check string matches in both header forms', () => {
    const data = text('123456789');
    expect(javaCrc32(data)).toBe(0xcbf43926 & 0x7fffffff);
    expect(bodyCrc32Matches(0xcbf43926 | 0, data)).toBe(true);
    expect(bodyCrc32Matches(0xcbf43926 & 0x7fffffff, data)).toBe(true);
    expect(bodyCrc32Matches(0, data)).toBe(true);
    expect(bodyCrc32Matches(12345, data)).toBe(false);
  });
});
