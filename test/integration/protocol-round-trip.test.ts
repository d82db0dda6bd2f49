/**
 * One property test over the whole protocol library: arbitrary messages go SDK encode (single or
 * batch, compressed past 4 KiB) -> a real `thrustmq broker` process -> its store -> PULL_MESSAGE
 * -> SDK decode, and come back equal: body bytes, user properties (any Unicode), tags, keys,
 * topic, queue, flag, sane born and store times, and ids that point at the stored record. What
 * the SDK must refuse (an empty body, an empty property value) it refuses before sending.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/client/core/errors.ts';
import type { Message, MessageExt } from '../../src/client/core/message.ts';
import { Producer } from '../../src/client/producer/producer.ts';
import type { SendResult } from '../../src/client/producer/producer.ts';
import { javaCrc32 } from '../../src/protocol/java-crc.ts';
import { decodeOffsetMessageId } from '../../src/protocol/message-id.ts';
import { SysFlag } from '../../src/protocol/message-record.ts';
import { SYSTEM_PROPERTY_NAMES } from '../../src/protocol/property-names.ts';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';
import { brokerDataDir, startBrokerProcess } from '../harness/broker-process.ts';
import type { BrokerProcess } from '../harness/broker-process.ts';
import { pullQueue } from '../harness/broker-requests.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import { deterministicBody } from '../harness/store-messages.ts';
import { silent } from './sdk-producer-cluster.ts';

const TOPICS = ['ProtoRoundTrip', 'proto_rt-2', 'P%r|t3'] as const;
const QUEUES = 4;
const RUNS = 200;
const TIME_LIMIT_MS = 25_000;
const COMPRESS_OVER = 4096;
const MAX_BODY = 64 * 1024;
const GROUP = 'ProtoRoundTripReader';

let broker: BrokerProcess;
let client: RemotingClient;
let producer: Producer;
const dataDir = brokerDataDir();

beforeAll(async () => {
  const namesrv = await startNameServerProcess();
  broker = await startBrokerProcess({ namesrvAddr: namesrv.address, dataDir: dataDir.path });
  client = adminClient();
  for (const topic of TOPICS)
    await createTopic(client, broker.address, namesrv.address, topic, QUEUES);
  producer = new Producer({
    group: 'ProtoRoundTripProducer',
    namesrvAddr: namesrv.address,
    logger: silent,
    compressOverBytes: COMPRESS_OVER,
  });
  await producer.start();
}, 60_000);

afterAll(async () => {
  await producer?.shutdown();
  await client?.close();
  await stopAll();
  dataDir.remove();
});

/** Text the property encoding can carry: any Unicode but its two separators, often short ASCII. */
const text = (minLength: number, maxLength: number) =>
  fc
    .oneof(
      fc.string({ unit: 'binary', minLength, maxLength }),
      fc.string({ unit: 'binary-ascii', minLength, maxLength: Math.min(maxLength, 3) }),
    )
    .filter((s) => !s.includes('\u0001') && !s.includes('\u0002'));

const propertyName = text(1, 12).filter((name) => !SYSTEM_PROPERTY_NAMES.has(name));

/** Bodies from (kind, seed, length): random bytes, or repetitive ones that deflate well. */
const body = fc
  .record({
    kind: fc.constantFrom('random', 'repetitive'),
    seed: fc.string({ maxLength: 8 }),
    length: fc.oneof(
      fc.integer({ min: 0, max: 64 }),
      fc.integer({ min: 1, max: COMPRESS_OVER }),
      fc.integer({ min: COMPRESS_OVER + 1, max: MAX_BODY }),
    ),
  })
  .map(({ kind, seed, length }) => ({
    bytes:
      kind === 'random'
        ? deterministicBody(seed, length)
        : Buffer.alloc(length, `${seed}|repeated|`.repeat(4)),
    deflates: kind === 'repetitive',
  }));

const message = fc.record({
  body,
  tags: fc.option(text(0, 16), { nil: undefined }),
  keys: fc.option(fc.array(text(0, 10), { maxLength: 3 }), { nil: undefined }),
  properties: fc.dictionary(
    propertyName,
    fc.oneof({ weight: 9, arbitrary: text(1, 24) }, text(0, 0)),
    {
      maxKeys: 4,
    },
  ),
  flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
});

const scenario = fc.record({
  topic: fc.constantFrom(...TOPICS),
  queueId: fc.option(fc.integer({ min: 0, max: QUEUES - 1 }), { nil: undefined }),
  batch: fc.boolean(),
  waitStoreMsgOK: fc.boolean(),
  messages: fc.array(message, { minLength: 1, maxLength: 4 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;
type Generated = Scenario['messages'][number];

/** The SDK refuses an empty body and an empty property value, as the Java client does. */
function acceptable(m: Generated): boolean {
  return m.body.bytes.length > 0 && Object.values(m.properties).every((value) => value.length > 0);
}

function toMessage(s: Scenario, m: Generated): Message {
  return {
    topic: s.topic,
    body: m.body.bytes,
    flag: m.flag,
    waitStoreMsgOK: s.waitStoreMsgOK,
    ...(m.tags !== undefined && { tags: m.tags }),
    ...(m.keys !== undefined && { keys: m.keys }),
    properties: m.properties,
  };
}

/** What the pulled properties must be: the user's, TAGS, KEYS, UNIQ_KEY and the WAIT stored. */
function expectedProperties(
  s: Scenario,
  m: Generated,
  uniqKey: string,
  keysProperty: string,
): Record<string, string> {
  const expected: Record<string, string> = { ...m.properties, UNIQ_KEY: uniqKey };
  if (m.tags) expected['TAGS'] = m.tags;
  if (keysProperty.length > 0) expected['KEYS'] = keysProperty;
  // The broker names its cluster on every message it stores, as RocketMQ's does.
  expected['CLUSTER'] = 'TestCluster';
  // A batch carries WAIT in its header and the broker appends it to every message.
  if (s.batch) expected['WAIT'] = String(s.waitStoreMsgOK);
  else if (!s.waitStoreMsgOK) expected['WAIT'] = 'false';
  return expected;
}

async function send(s: Scenario, messages: Message[]): Promise<SendResult> {
  const queue =
    s.queueId === undefined
      ? undefined
      : { topic: s.topic, brokerName: 'broker-a', queueId: s.queueId };
  const options = queue ? { queue } : {};
  return s.batch ? producer.sendBatch(messages, options) : producer.send(messages[0]!, options);
}

/** The count messages stored from the send's queue offset on (a pull holds at most 256 KiB). */
async function pulled(result: SendResult, count: number): Promise<MessageExt[]> {
  const { topic, queueId } = result.messageQueue;
  const got: MessageExt[] = [];
  for (let pulls = 0; pulls < count && got.length < count; pulls++) {
    const offset = result.queueOffset + got.length;
    const found = await pullQueue(client, broker.address, topic, queueId, offset, GROUP);
    if (found.length === 0) break;
    got.push(...found.slice(0, count - got.length));
  }
  return got;
}

function checkOne(
  s: Scenario,
  m: Generated,
  got: MessageExt,
  result: SendResult,
  index: number,
  sentAt: { before: number; after: number },
): void {
  const uniqKey = result.msgId.split(',')[index]!;
  // The SDK joins the non-empty keys with spaces and splits KEYS at spaces on the way back.
  const keysProperty = (m.keys ?? []).filter((key) => key.length > 0).join(' ');
  const keys = keysProperty.split(' ').filter((key) => key.length > 0);
  expect(got.topic).toBe(s.topic);
  expect(got.queueId).toBe(result.messageQueue.queueId);
  if (s.queueId !== undefined) expect(got.queueId).toBe(s.queueId);
  expect(got.queueOffset).toBe(result.queueOffset + index);
  expect(Buffer.compare(got.body, m.body.bytes)).toBe(0);
  expect(got.flag).toBe(m.flag);
  expect(got.properties).toEqual(expectedProperties(s, m, uniqKey, keysProperty));
  expect(got.tags).toBe(m.tags ? m.tags : undefined);
  expect(got.keys).toEqual(keys);
  expect(got.msgId).toBe(uniqKey);
  expect(got.reconsumeTimes).toBe(0);
  // Bodies past compressOverBytes that deflate smaller travel and stay compressed; batches never.
  const compressed = (got.sysFlag & SysFlag.COMPRESSED) !== 0;
  const size = m.body.bytes.length;
  if (s.batch || size <= COMPRESS_OVER) expect(compressed).toBe(false);
  if (!s.batch && size > COMPRESS_OVER && m.body.deflates) expect(compressed).toBe(true);
  if (!compressed) expect(got.bodyCrc).toBe(javaCrc32(m.body.bytes));
  expect(got.bornTimestamp).toBeGreaterThanOrEqual(sentAt.before);
  expect(got.bornTimestamp).toBeLessThanOrEqual(sentAt.after);
  expect(got.storeTimestamp).toBeGreaterThanOrEqual(got.bornTimestamp - 1000);
  expect(got.storeTimestamp).toBeLessThanOrEqual(sentAt.after + 1000);
  expect(got.bornHost).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(got.storeHost).toBe(broker.address);
  expect(decodeOffsetMessageId(got.offsetMsgId)).toEqual({
    address: broker.address,
    physicalOffset: got.commitLogOffset,
  });
  expect(result.offsetMsgId.split(',')[index]).toBe(got.offsetMsgId);
}

describe('protocol round trip - SDK encode, broker, store, pull, SDK decode', () => {
  it(`arbitrary messages come back equal (${RUNS} runs, at most ${TIME_LIMIT_MS / 1000} s)`, async () => {
    let runs = 0;
    let refused = 0;
    let compressedSent = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        runs++;
        const messages = s.batch ? s.messages : s.messages.slice(0, 1);
        const outgoing = messages.map((m) => toMessage(s, m));
        if (!messages.every(acceptable)) {
          refused++;
          await expect(send(s, outgoing)).rejects.toBeInstanceOf(InvalidArgumentError);
          return;
        }
        const before = Date.now();
        const result = await send(s, outgoing);
        const sentAt = { before, after: Date.now() };
        const got = await pulled(result, messages.length);
        expect(got).toHaveLength(messages.length);
        for (let i = 0; i < messages.length; i++) {
          checkOne(s, messages[i]!, got[i]!, result, i, sentAt);
          if ((got[i]!.sysFlag & SysFlag.COMPRESSED) !== 0) compressedSent++;
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    // A time limit must not turn the test into a handful of runs, and the cases must be mixed.
    expect(runs).toBeGreaterThanOrEqual(RUNS / 2);
    expect(refused).toBeGreaterThan(0);
    expect(compressedSent).toBeGreaterThan(0);
  }, 60_000);
});
