/**
 * What a send answers (protocol/REMOTING.md 11.1): codes 0, 10, 11 and 12 mean "stored", the
 * last three with a durability target missed, so they are results with a status, not errors.
 * Which failures the producer retries on another broker follows the Java producer (REMOTING.md
 * 6): connection failures, timeouts and codes 17, 14, 1, 16, 204, 205.
 */
import type { RemotingCommand } from '../../remoting/index.ts';
import { ResponseCode } from '../../remoting/index.ts';
import { ConnectionError, MQClientError, TimeoutError } from '../core/errors.ts';
import type { MessageQueue } from '../core/route.ts';

export const SendStatus = {
  SEND_OK: 'SEND_OK',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

export interface SendResult {
  status: SendStatus;
  /** The message's UNIQ_KEY; for a batch, every message's joined by ",". */
  msgId: string;
  /** The broker's offset message id (store host + commit-log offset); comma-joined for a batch. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  /** Consume-queue offset of the (first) message. */
  queueOffset: number;
}

// Not in the broker's ResponseCode table, which lists only what the broker answers.
const FLUSH_SLAVE_TIMEOUT = 12;
const NO_BUYER_ID = 204;
const NOT_IN_CURRENT_UNIT = 205;

const STATUS_BY_CODE: ReadonlyMap<number, SendStatus> = new Map([
  [ResponseCode.SUCCESS, SendStatus.SEND_OK],
  [ResponseCode.FLUSH_DISK_TIMEOUT, SendStatus.FLUSH_DISK_TIMEOUT],
  [FLUSH_SLAVE_TIMEOUT, SendStatus.FLUSH_SLAVE_TIMEOUT],
  [ResponseCode.SLAVE_NOT_AVAILABLE, SendStatus.SLAVE_NOT_AVAILABLE],
]);

const RETRIED_CODES: ReadonlySet<number> = new Set([
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.NO_PERMISSION,
  NO_BUYER_ID,
  NOT_IN_CURRENT_UNIT,
]);

export function sendStatusOf(code: number): SendStatus | undefined {
  return STATUS_BY_CODE.get(code);
}

/** Whether the Java producer would try this failure again on another queue. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  return (
    error instanceof MQClientError &&
    error.responseCode !== undefined &&
    RETRIED_CODES.has(error.responseCode)
  );
}

/**
 * Whether the failure says something about the broker, so it is worth avoiding for a while:
 * everything but MESSAGE_ILLEGAL, which is about the message.
 */
export function isBrokerFault(error: unknown): boolean {
  return !(error instanceof MQClientError) || error.responseCode !== ResponseCode.MESSAGE_ILLEGAL;
}

/** The result of a stored send; queueId and queueOffset come from the broker's header. */
export function sendResultOf(
  response: RemotingCommand,
  status: SendStatus,
  target: MessageQueue,
  msgId: string,
): SendResult {
  const ext = response.extFields ?? {};
  const queueId = Number(ext['queueId']);
  const queueOffset = Number(ext['queueOffset']);
  return {
    status,
    msgId,
    offsetMsgId: ext['msgId'] ?? '',
    messageQueue: {
      topic: target.topic,
      brokerName: target.brokerName,
      queueId: Number.isInteger(queueId) ? queueId : target.queueId,
    },
    queueOffset: Number.isFinite(queueOffset) ? queueOffset : -1,
  };
}
