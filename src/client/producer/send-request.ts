/**
 * Send requests with the V2 one-letter header keys (protocol/REMOTING.md 11.1), all values as
 * strings: a producerGroup, b topic, c defaultTopic, d defaultTopicQueueNums, e queueId,
 * f sysFlag, g bornTimestamp, h flag, i properties, j reconsumeTimes, k unitMode, m batch,
 * n brokerName. Built per attempt: the queue and born timestamp change on a retry.
 */
import type { RemotingCommand } from '../../remoting/index.ts';
import { createRequest, RequestCode } from '../../remoting/index.ts';
import type { EncodedBatch } from './batch-encoder.ts';
import type { OutgoingMessage } from './outgoing-message.ts';
import { DEFAULT_TOPIC } from './publish-routes.ts';
import type { MessageQueue } from '../core/route.ts';

export interface SendHeaderBase {
  group: string;
  defaultTopicQueueNums: number;
}

function header(base: SendHeaderBase, topic: string, queue: MessageQueue): Record<string, string> {
  return {
    a: base.group,
    b: topic,
    c: DEFAULT_TOPIC,
    d: String(base.defaultTopicQueueNums),
    e: String(queue.queueId),
    f: '0',
    g: String(Date.now()),
    h: '0',
    i: '',
    j: '0',
    k: 'false',
    m: 'false',
    n: queue.brokerName,
  };
}

export function singleSendRequest(
  base: SendHeaderBase,
  message: OutgoingMessage,
  queue: MessageQueue,
): RemotingCommand {
  const fields = header(base, message.topic, queue);
  fields['f'] = String(message.sysFlag);
  fields['h'] = String(message.flag);
  fields['i'] = message.properties;
  return createRequest(RequestCode.SEND_MESSAGE_V2, fields, message.body);
}

export function batchSendRequest(
  base: SendHeaderBase,
  batch: EncodedBatch,
  queue: MessageQueue,
): RemotingCommand {
  const fields = header(base, batch.topic, queue);
  fields['i'] = batch.headerProperties;
  fields['m'] = 'true';
  return createRequest(RequestCode.SEND_BATCH_MESSAGE, fields, batch.body);
}
