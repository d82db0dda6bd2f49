import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerContext } from '../../../src/broker/coordinator/broker-context.ts';
import { SubscriptionGroupManager } from '../../../src/broker/metadata/subscription-group-manager.ts';
import { TopicConfigManager } from '../../../src/broker/metadata/topic-config-manager.ts';
import { brokerHandlers } from '../../../src/broker/processors/register-processors.ts';
import { guardBrokerHandler } from '../../../src/broker/validation/broker-request-guard.ts';
import { BROKER_REQUEST_SCHEMAS } from '../../../src/broker/validation/broker-request-schemas.ts';
import type { RemotingCommand, RemotingConnection } from '../../../src/remoting/index.ts';
import { createRequest, RequestCode, ResponseCode } from '../../../src/remoting/index.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function context(autoCreateGroups: boolean): BrokerContext {
  const dir = makeTempDir('guard');
  cleanups.push(dir.remove);
  const topics = new TopicConfigManager({
    configDirectory: dir.path,
    storeShards: 2,
    autoCreateTopicEnable: true,
    defaultTopicQueueNums: 8,
    clusterName: 'C',
    brokerName: 'b',
  });
  topics.upsert({ ...topics.get('TBW102')!, topicName: 'Known', readQueueNums: 2, perm: 6 });
  const groups = new SubscriptionGroupManager(dir.path, autoCreateGroups);
  return { topics, groups } as unknown as BrokerContext;
}

/** Runs `request` through the guard of its code; 'handled' when it reached the handler. */
function guarded(ctx: BrokerContext, request: RemotingCommand): RemotingCommand | 'handled' {
  const handler = guardBrokerHandler(ctx, request.code, () => createRequest(-1));
  const result = handler(request, {} as RemotingConnection) as RemotingCommand;
  return result.code === -1 ? 'handled' : result;
}

describe('broker request guard - schemas and metadata checks before handlers', () => {
  it('has a schema for every code the broker serves', () => {
    const served = brokerHandlers(
      { config: {}, clients: { onChange() {} } } as never,
      {} as never,
    ).map(([code]) => code);
    expect(served.filter((code) => !BROKER_REQUEST_SCHEMAS.has(code))).toEqual([]);
    expect(() => guardBrokerHandler(context(true), 4242, () => undefined)).toThrow(/4242/);
  });

  it('refuses an unknown topic, an illegal queue id and an unknown group as RocketMQ does', () => {
    const update = (ext: Record<string, string>) =>
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: 'G',
        topic: 'Known',
        queueId: '0',
        commitOffset: '5',
        ...ext,
      });
    const open = context(true);
    expect(guarded(open, update({}))).toBe('handled');
    expect(guarded(open, update({ queueId: '2' }))).toBe('handled'); // write queues count too
    expect(guarded(open, update({ topic: 'Nope' }))).toMatchObject({
      code: ResponseCode.TOPIC_NOT_EXIST,
    });
    const illegal = guarded(open, update({ queueId: '8' })) as RemotingCommand;
    expect(illegal.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(illegal.remark).toContain('queueId[8] is illegal');
    const closed = context(false);
    expect(guarded(closed, update({}))).toMatchObject({
      code: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
    });
    const pull = createRequest(RequestCode.PULL_MESSAGE, {
      consumerGroup: 'G',
      topic: 'Known',
      queueId: '2',
      queueOffset: '0',
      maxMsgNums: '1',
      sysFlag: '0',
      commitOffset: '0',
      suspendTimeoutMillis: '0',
    });
    // Pulls read only the read queues.
    expect(guarded(open, pull)).toMatchObject({ code: ResponseCode.SYSTEM_ERROR });
  });

  it('answers lookups on unknown queues in the handler, creating nothing', () => {
    const ctx = context(true);
    const before = ctx.topics.size;
    const lookup = createRequest(RequestCode.GET_MAX_OFFSET, { topic: 'Nope', queueId: '99999' });
    expect(guarded(ctx, lookup)).toBe('handled');
    expect(ctx.topics.size).toBe(before);
    expect(ctx.topics.hasQueue('Nope', 99999)).toBe(false);
  });
});
