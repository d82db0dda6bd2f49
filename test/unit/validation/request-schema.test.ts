import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TopicConfigManager } from '../../../src/broker/metadata/topic-config-manager.ts';
import { BROKER_REQUEST_SCHEMAS } from '../../../src/broker/validation/broker-request-schemas.ts';
import { NAMESRV_REQUEST_SCHEMAS } from '../../../src/namesrv/namesrv-request-schemas.ts';
import { createNamesrvHandlers } from '../../../src/namesrv/namesrv-processor.ts';
import { createRequest, RequestCode, ResponseCode } from '../../../src/remoting/index.ts';
import type { RemotingCommand } from '../../../src/remoting/index.ts';
import { checkRequest, compileSchema, nameProblem } from '../../../src/remoting/request-schema.ts';
import type { FieldRule, RequestSchema } from '../../../src/remoting/request-schema.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function request(code: number, ext?: Record<string, string>, body?: Buffer): RemotingCommand {
  return createRequest(code, ext, body);
}

function violation(schema: RequestSchema, ext?: Record<string, string>, body?: Buffer) {
  return checkRequest(compileSchema(schema), request(1, ext, body));
}

describe('request schemas - header checks before any handler', () => {
  const schema: RequestSchema = {
    fields: {
      topic: { type: 'topic', required: true },
      group: { type: 'group' },
      queueId: { type: 'int', required: true, min: 0 },
      offset: { type: 'long' },
      kind: { type: 'enum', values: ['TAG', 'SQL92'] },
      note: { type: 'string', maxLength: 8 },
    },
  };
  const good = { topic: 'T', queueId: '3' };

  it('accepts what Java would parse and refuses the rest, naming the field', () => {
    expect(violation(schema, good)).toBeUndefined();
    expect(violation(schema, { ...good, offset: '-9007199254740991' })).toBeUndefined();
    expect(violation(schema, { queueId: '1' })?.remark).toBe('the custom field topic is null');
    for (const bad of ['1e3', '0x10', ' 5', '', 'NaN', '2147483648', '1.5', '-1']) {
      const found = violation(schema, { ...good, queueId: bad });
      expect(found?.field, bad).toBe('queueId');
      expect(found?.remark).toContain('queueId');
    }
    expect(violation(schema, { ...good, offset: '9007199254740993' })?.field).toBe('offset');
    expect(violation(schema, { ...good, kind: 'XPATH' })?.remark).toContain('TAG, SQL92');
    expect(violation(schema, { ...good, note: 'x'.repeat(9) })?.field).toBe('note');
  });

  it('applies RocketMQ topic and group name rules', () => {
    expect(nameProblem('topic', 'a'.repeat(127))).toBeUndefined();
    expect(nameProblem('topic', 'a'.repeat(128))).toContain('max length 127');
    expect(nameProblem('group', 'a'.repeat(255))).toBeUndefined();
    expect(nameProblem('group', 'a'.repeat(256))).toContain('max length 255');
    expect(nameProblem('topic', '%RETRY%g|x')).toBeUndefined();
    for (const bad of ['a b', 'ü', 'a.b', ' ', '__proto__\n'])
      expect(nameProblem('topic', bad), bad).toBeDefined();
    expect(violation(schema, { ...good, topic: 'a/b' })?.remark).toMatch(/^topic: /);
    expect(violation(schema, { ...good, group: 'g:1' })?.field).toBe('group');
  });

  it('never reads a field through Object.prototype', () => {
    const ext = JSON.parse('{"__proto__":"x","queueId":"1"}') as Record<string, string>;
    const rule: FieldRule = { type: 'string', required: true };
    const proto: RequestSchema = { fields: Object.fromEntries([['constructor', rule]]) };
    expect(violation(proto, ext)?.remark).toBe('the custom field constructor is null');
    expect(violation(schema, ext)?.field).toBe('topic');
  });

  it('bounds and requires bodies', () => {
    const bodied: RequestSchema = { body: { required: true, maxBytes: 4 } };
    expect(violation(bodied)?.field).toBe('body');
    expect(violation(bodied, undefined, Buffer.alloc(5))?.field).toBe('body');
    expect(violation(bodied, undefined, Buffer.alloc(4))).toBeUndefined();
  });

  it('has a schema for every name server code and answers a bad header there', async () => {
    const handlers = createNamesrvHandlers({
      routes: {} as never,
      kvConfig: {} as never,
      orderMessageEnable: false,
      logger: {} as never,
    });
    expect([...handlers.keys()].sort()).toEqual([...NAMESRV_REQUEST_SCHEMAS.keys()].sort());
    const response = await handlers.get(RequestCode.UNREGISTER_BROKER)!(
      request(RequestCode.UNREGISTER_BROKER, {
        clusterName: 'c',
        brokerAddr: 'a',
        brokerName: 'b',
        brokerId: '99999999999999999999',
      }),
      { id: 1 as never },
    );
    expect(response.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(response.remark).toContain('brokerId');
  });

  it('names every send field in both header spellings', () => {
    const v1 = Object.keys(BROKER_REQUEST_SCHEMAS.get(RequestCode.SEND_MESSAGE)!.fields!);
    const v2 = Object.keys(BROKER_REQUEST_SCHEMAS.get(RequestCode.SEND_MESSAGE_V2)!.fields!);
    expect(v1).toContain('queueId');
    expect(v2.slice(0, 5)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('topic config manager - queue ids never grow the shard table', () => {
  function manager(dir: string) {
    return new TopicConfigManager({
      configDirectory: dir,
      storeShards: 4,
      autoCreateTopicEnable: true,
      defaultTopicQueueNums: 8,
      clusterName: 'DefaultCluster',
      brokerName: 'broker-a',
    });
  }

  it('answers a shard for any queue id without storing it', () => {
    const dir = makeTempDir('shards');
    cleanups.push(dir.remove);
    const topics = manager(dir.path);
    topics.upsert({ ...topics.get('TBW102')!, topicName: 'Orders', perm: 6 });
    const path = join(dir.path, 'queueShards.json');
    const before = statSync(path).mtimeMs;
    const size = readFileSync(path).length;
    const shardOf3 = topics.shardOf('Orders', 3);
    expect(topics.shardOf('Orders', 3 + 4 * 1000)).toBe(shardOf3);
    for (const queueId of [1462701593, 99999, -1, 2 ** 31, Number.NaN])
      expect(topics.shardOf('NoSuchTopic', queueId)).toBeLessThan(4);
    expect(topics.hasQueue('Orders', 7)).toBe(true);
    expect(topics.hasQueue('Orders', 8)).toBe(false);
    expect(topics.hasQueue('NoSuchTopic', 0)).toBe(false);
    expect(readFileSync(path).length).toBe(size);
    expect(statSync(path).mtimeMs).toBe(before);
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')) as object)).not.toContain(
      'NoSuchTopic',
    );
  });

  it('drops entries past a topic or for unknown topics when it loads', () => {
    const dir = makeTempDir('shards');
    cleanups.push(dir.remove);
    const first = manager(dir.path);
    first.upsert({ ...first.get('TBW102')!, topicName: 'Orders', perm: 6 });
    const path = join(dir.path, 'queueShards.json');
    const table = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number[]>;
    const orders = table['Orders']!;
    table['Orders'] = [...orders, ...Array.from({ length: 5000 }, (_, i) => i % 4)];
    table['Ghost'] = Array.from({ length: 5000 }, () => 0);
    writeFileSync(path, JSON.stringify(table));
    const second = manager(dir.path);
    second.upsert({ ...second.get('Orders')!, perm: 6 });
    const after = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number[]>;
    expect(after['Orders']).toEqual(orders);
    expect(after['Ghost']).toBeUndefined();
  });
});
