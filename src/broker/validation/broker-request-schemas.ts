/**
 * The header schema of every request code the broker serves (protocol/REMOTING.md 11),
 * checked by request-schema.ts before the code's handler runs. Field names and R/O are
 * RocketMQ's request headers; ranges are what a handler can act on without harm.
 *
 * `state` adds the checks that need the broker's metadata, for the codes on which RocketMQ
 * refuses an unknown topic, group or queue (queue-checks.ts); codes that answer defaults for
 * unknown queues (offset lookups) leave that to their handler, which then touches no state.
 */
import { RequestCode } from '../../remoting/index.ts';
import type { FieldRule, RequestSchema } from '../../remoting/request-schema.ts';
import { QUERY_QUEUE_LOCKS } from '../processors/lock-processor.ts';

export interface BrokerRequestSchema extends RequestSchema {
  state?: {
    /** Refuse an unknown group (auto-created first when the broker allows it). */
    group?: string;
    /** Refuse an unknown topic, and a queue id outside its read (or any) queues. */
    queue?: { topic: string; queueId: string; range: 'read' | 'any' };
  };
}

const KIB = 1024;
const MIB = 1024 * KIB;

const R = true;
const topic = (required = R): FieldRule => ({ type: 'topic', required });
const group = (required = R): FieldRule => ({ type: 'group', required });
const str = (required = R, maxLength = 255): FieldRule => ({ type: 'string', required, maxLength });
const int = (required = R, min?: number, max?: number): FieldRule => ({
  type: 'int',
  required,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
const long = (required = R, min?: number, max?: number): FieldRule => ({
  type: 'long',
  required,
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
const bool: FieldRule = { type: 'bool' };
const queueId = int(R);
const offset = long(R, 0);
/** Keys and ids are free text in RocketMQ; bounded far above any real one. */
const TEXT = 4 * KIB;
/**
 * Properties of one message: RocketMQ's limit is 32767 bytes, which the send processor checks
 * in bytes and answers MESSAGE_ILLEGAL; the schema only bounds the text.
 */
const PROPERTIES_CHARS = 4 * MIB;

/** SEND_MESSAGE's V1 field names; V2 (310, 320) uses the letters a..m in the same order. */
const SEND_FIELDS: Array<[string, string, FieldRule]> = [
  ['producerGroup', 'a', str(R, TEXT)],
  ['topic', 'b', topic()],
  ['defaultTopic', 'c', str(R, 127)],
  ['defaultTopicQueueNums', 'd', int(R)],
  ['queueId', 'e', int(R)],
  ['sysFlag', 'f', int(R)],
  ['bornTimestamp', 'g', long(R)],
  ['flag', 'h', int(R)],
  ['properties', 'i', str(false, PROPERTIES_CHARS)],
  ['reconsumeTimes', 'j', int(false)],
  ['unitMode', 'k', bool],
  ['maxReconsumeTimes', 'l', int(false)],
  ['batch', 'm', bool],
];

function sendSchema(v2: boolean): BrokerRequestSchema {
  return {
    fields: Object.fromEntries(SEND_FIELDS.map(([v1, letter, rule]) => [v2 ? letter : v1, rule])),
  };
}

const queueFields = { topic: topic(), queueId };

export const BROKER_REQUEST_SCHEMAS: ReadonlyMap<number, BrokerRequestSchema> = new Map<
  number,
  BrokerRequestSchema
>([
  [RequestCode.SEND_MESSAGE, sendSchema(false)],
  [RequestCode.SEND_MESSAGE_V2, sendSchema(true)],
  [RequestCode.SEND_BATCH_MESSAGE, sendSchema(true)],
  [RequestCode.SEND_REPLY_MESSAGE, sendSchema(false)],
  [RequestCode.SEND_REPLY_MESSAGE_V2, sendSchema(true)],
  [
    RequestCode.PULL_MESSAGE,
    {
      fields: {
        consumerGroup: group(),
        topic: topic(),
        queueId,
        // Below the queue's minimum (even negative) answers PULL_OFFSET_MOVED, as RocketMQ.
        queueOffset: long(R),
        maxMsgNums: int(R),
        sysFlag: int(R),
        commitOffset: long(R),
        suspendTimeoutMillis: long(R, 0),
        subVersion: long(false),
        subscription: str(false, 64 * KIB),
        expressionType: { type: 'enum', values: ['TAG', 'SQL92'] },
      },
      state: {
        group: 'consumerGroup',
        queue: { topic: 'topic', queueId: 'queueId', range: 'read' },
      },
    },
  ],
  [
    RequestCode.QUERY_MESSAGE,
    {
      fields: {
        topic: topic(),
        key: str(R, TEXT),
        maxNum: int(R),
        // Longs beyond 2^53 allowed: mqadmin queryMsgByKey asks up to Long.MAX_VALUE.
        beginTimestamp: str(R, 21),
        endTimestamp: str(R, 21),
      },
    },
  ],
  [
    RequestCode.QUERY_CONSUMER_OFFSET,
    { fields: { consumerGroup: group(), ...queueFields, setZeroIfNotFound: bool } },
  ],
  [
    RequestCode.UPDATE_CONSUMER_OFFSET,
    {
      fields: { consumerGroup: group(), ...queueFields, commitOffset: long(R) },
      state: {
        group: 'consumerGroup',
        queue: { topic: 'topic', queueId: 'queueId', range: 'any' },
      },
    },
  ],
  [
    RequestCode.UPDATE_AND_CREATE_TOPIC,
    {
      fields: {
        topic: topic(),
        defaultTopic: str(false, 127),
        readQueueNums: int(R, 1, 1024),
        writeQueueNums: int(R, 1, 1024),
        perm: int(false, 0, 7),
        topicFilterType: { type: 'enum', values: ['SINGLE_TAG', 'MULTI_TAG'] },
        topicSysFlag: int(false),
        order: bool,
        attributes: str(false, TEXT),
        force: bool,
      },
    },
  ],
  [RequestCode.GET_ALL_TOPIC_CONFIG, {}],
  [RequestCode.UPDATE_BROKER_CONFIG, { body: { required: true, maxBytes: 64 * KIB } }],
  [RequestCode.GET_BROKER_CONFIG, {}],
  [RequestCode.GET_BROKER_RUNTIME_INFO, {}],
  [RequestCode.VIEW_BROKER_STATS_DATA, { fields: { statsName: str(R), statsKey: str(R, TEXT) } }],
  [
    RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
    {
      fields: {
        ...queueFields,
        timestamp: long(R),
        boundaryType: { type: 'enum', values: ['lower', 'upper', 'LOWER', 'UPPER'] },
      },
    },
  ],
  [RequestCode.GET_MAX_OFFSET, { fields: { ...queueFields, committed: bool } }],
  [RequestCode.GET_MIN_OFFSET, { fields: queueFields }],
  [RequestCode.GET_EARLIEST_MSG_STORETIME, { fields: queueFields }],
  [RequestCode.VIEW_MESSAGE_BY_ID, { fields: { offset, topic: topic(false) } }],
  [RequestCode.HEART_BEAT, { body: { maxBytes: 4 * MIB } }],
  [
    RequestCode.UNREGISTER_CLIENT,
    {
      fields: {
        clientID: str(R, TEXT),
        producerGroup: str(false, TEXT),
        consumerGroup: str(false, TEXT),
      },
    },
  ],
  [
    RequestCode.CONSUMER_SEND_MSG_BACK,
    {
      fields: {
        offset,
        group: group(),
        delayLevel: int(R),
        originMsgId: str(false, TEXT),
        originTopic: topic(false),
        unitMode: bool,
        maxReconsumeTimes: int(false, 0),
      },
    },
  ],
  [RequestCode.GET_CONSUMER_LIST_BY_GROUP, { fields: { consumerGroup: str(R, TEXT) } }],
  [RequestCode.LOCK_BATCH_MQ, { body: { required: true, maxBytes: 4 * MIB } }],
  [RequestCode.UNLOCK_BATCH_MQ, { body: { required: true, maxBytes: 4 * MIB } }],
  [QUERY_QUEUE_LOCKS, { fields: { consumerGroup: str(R, TEXT) } }],
  [RequestCode.GET_ALL_CONSUMER_OFFSET, {}],
  [RequestCode.GET_ALL_DELAY_OFFSET, {}],
  [RequestCode.GET_BROKER_HA_STATUS, {}],
  [RequestCode.CHECK_CLIENT_CONFIG, { body: { required: true, maxBytes: 1 * MIB } }],
  [
    RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
    { body: { required: true, maxBytes: 64 * KIB } },
  ],
  [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, {}],
  [RequestCode.GET_TOPIC_STATS_INFO, { fields: { topic: topic() } }],
  [RequestCode.GET_CONSUMER_CONNECTION_LIST, { fields: { consumerGroup: str(R, TEXT) } }],
  [RequestCode.GET_PRODUCER_CONNECTION_LIST, { fields: { producerGroup: str(R, TEXT) } }],
  [
    RequestCode.DELETE_SUBSCRIPTIONGROUP,
    { fields: { groupName: str(R, TEXT), removeOffset: bool } },
  ],
  [RequestCode.GET_CONSUME_STATS, { fields: { consumerGroup: str(R, TEXT), topic: topic(false) } }],
  [RequestCode.DELETE_TOPIC_IN_BROKER, { fields: { topic: str(R, TEXT) } }],
  [
    RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
    { fields: { topic: topic(), group: group(), timestamp: long(R), isForce: bool } },
  ],
  [RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, { fields: { topic: str(R, TEXT) } }],
  [
    RequestCode.GET_CONSUMER_RUNNING_INFO,
    { fields: { consumerGroup: str(R, TEXT), clientId: str(R, TEXT), jstackEnable: bool } },
  ],
]);
