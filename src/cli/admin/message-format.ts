/**
 * How the admin commands show messages and times: mqadmin's time format
 * (yyyy-MM-dd HH:mm:ss,SSS, local time), its -s/-b/-e timestamps (milliseconds, "now", or
 * yyyy-MM-dd#HH:mm:ss:SSS in local time), bodies decoded with a chosen charset, and the JSON
 * shape of a message for --json.
 */
import type { MessageExt } from '../../client/core/message.ts';
import type { Cell } from '../table.ts';
import { formatKeyValues } from '../table.ts';
import { UsageError } from './options.ts';

const CHARSETS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  ascii: 'ascii',
  'us-ascii': 'ascii',
  'utf-16le': 'utf16le',
  base64: 'base64',
  hex: 'hex',
};

/** A Java-style charset name as a Node encoding; UsageError naming the option otherwise. */
export function encodingOf(charset: string | undefined, option = '-c (charset)'): BufferEncoding {
  if (charset === undefined) return 'utf8';
  const encoding = CHARSETS[charset.toLowerCase()];
  if (!encoding)
    throw new UsageError(
      `${option} ${JSON.stringify(charset)} is not one of ${Object.keys(CHARSETS).join(', ')}`,
    );
  return encoding;
}

const two = (n: number): string => String(n).padStart(2, '0');

export function formatTime(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '-';
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())},` +
    String(d.getMilliseconds()).padStart(3, '0')
  );
}

const HUMAN_TIME = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/;

/** Milliseconds from "now", digits, or yyyy-MM-dd#HH:mm:ss:SSS (local time). */
export function parseTimestamp(text: string, option: string, nowMs = Date.now()): number {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'now') return nowMs;
  if (/^\d{1,15}$/.test(trimmed)) return Number(trimmed);
  const match = HUMAN_TIME.exec(trimmed);
  if (match) {
    const [year, month, day, hour, minute, second, millis] = match.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const date = new Date(year, month - 1, day, hour, minute, second, millis);
    if (date.getMonth() === month - 1 && date.getDate() === day && hour < 24 && minute < 60)
      return date.getTime();
  }
  throw new UsageError(
    `${option} must be milliseconds, "now" or yyyy-MM-dd#HH:mm:ss:SSS, got ${JSON.stringify(text)}`,
  );
}

export function bodyText(message: MessageExt, encoding: BufferEncoding): string {
  return message.body.toString(encoding);
}

/** A message as --json prints it: the fields, and the body as text in the chosen encoding. */
export function messageJson(
  message: MessageExt,
  encoding: BufferEncoding,
): Record<string, unknown> {
  return {
    topic: message.topic,
    brokerName: message.brokerName,
    queueId: message.queueId,
    queueOffset: message.queueOffset,
    msgId: message.msgId,
    offsetMsgId: message.offsetMsgId,
    tags: message.tags ?? null,
    keys: message.keys,
    commitLogOffset: message.commitLogOffset,
    reconsumeTimes: message.reconsumeTimes,
    bornTimestamp: message.bornTimestamp,
    storeTimestamp: message.storeTimestamp,
    bornHost: message.bornHost,
    storeHost: message.storeHost,
    sysFlag: message.sysFlag,
    flag: message.flag,
    bodyCrc: message.bodyCrc,
    properties: message.properties,
    body: bodyText(message, encoding),
  };
}

/** mqadmin's queryMsgById-style detail block. */
export function messageDetails(message: MessageExt, encoding: BufferEncoding): string {
  const entries: Array<[string, Cell]> = [
    ['OffsetID:', message.offsetMsgId],
    ['MsgId:', message.msgId],
    ['Topic:', message.topic],
    ['Tags:', message.tags ?? ''],
    ['Keys:', message.keys.join(' ')],
    ['Queue ID:', message.queueId],
    ['Queue Offset:', message.queueOffset],
    ['CommitLog Offset:', message.commitLogOffset],
    ['Reconsume Times:', message.reconsumeTimes],
    ['Born Timestamp:', formatTime(message.bornTimestamp)],
    ['Store Timestamp:', formatTime(message.storeTimestamp)],
    ['Born Host:', message.bornHost],
    ['Store Host:', message.storeHost],
    ['System Flag:', message.sysFlag],
    ['Properties:', JSON.stringify(message.properties)],
    ['Body:', JSON.stringify(bodyText(message, encoding))],
  ];
  if (message.brokerName) entries.splice(3, 0, ['Broker:', message.brokerName]);
  return formatKeyValues(entries);
}
