/**
 * The body of SEND_BATCH_MESSAGE (protocol/REMOTING.md 13.7), which the SDK encodes and the
 * broker decodes. Per message:
 *
 *   | totalSize:i32 | magic:i32 = 0 | bodyCRC:i32 = 0 | flag:i32 | bodyLength:i32 | body |
 *   | propertiesLength:i16 | properties |
 *
 * totalSize counts the whole entry (22 + body + properties bytes); 0 is accepted as unset.
 */
import { MAX_BATCH_MESSAGES } from './limits.ts';

/** The fixed bytes of one batch entry: five ints and the properties length. */
export const BATCH_ENTRY_FIXED_BYTES = 22;

/** One message of a batch as the SDK encodes it: properties already UTF-8. */
export interface BatchEntry {
  flag: number;
  body: Buffer;
  properties: Buffer;
}

/** One decoded message: views into the batch body, with the request header's properties. */
export interface DecodedBatchEntry extends BatchEntry {
  /** Batch-level properties to append to the message's own (joined by 0x02). */
  propertiesSuffix: string;
}

export function batchEntryBytes(entry: BatchEntry): number {
  return BATCH_ENTRY_FIXED_BYTES + entry.body.length + entry.properties.length;
}

/** The batch body of entries; totalBytes is the sum of their batchEntryBytes. */
export function encodeBatchBody(entries: readonly BatchEntry[], totalBytes: number): Buffer {
  const out = Buffer.allocUnsafe(totalBytes);
  let at = 0;
  for (const entry of entries) {
    out.writeInt32BE(batchEntryBytes(entry), at);
    out.writeInt32BE(0, at + 4);
    out.writeInt32BE(0, at + 8);
    out.writeInt32BE(entry.flag, at + 12);
    out.writeInt32BE(entry.body.length, at + 16);
    entry.body.copy(out, at + 20);
    at += 20 + entry.body.length;
    out.writeInt16BE(entry.properties.length, at);
    entry.properties.copy(out, at + 2);
    at += 2 + entry.properties.length;
  }
  return out;
}

/** The messages of a batch body, or a remark saying why it is malformed. */
export function decodeBatchBody(
  body: Buffer,
  headerProperties: string,
): DecodedBatchEntry[] | string {
  const messages: DecodedBatchEntry[] = [];
  let at = 0;
  while (at < body.length) {
    if (messages.length >= MAX_BATCH_MESSAGES)
      return `a batch holds at most ${MAX_BATCH_MESSAGES} messages`;
    if (body.length - at < 20) return `batch body truncated at byte ${at}`;
    const totalSize = body.readInt32BE(at);
    const flag = body.readInt32BE(at + 12);
    const bodyLength = body.readInt32BE(at + 16);
    const bodyStart = at + 20;
    const propertiesLengthAt = bodyStart + bodyLength;
    if (bodyLength < 0 || propertiesLengthAt + 2 > body.length)
      return `batch message at byte ${at} has a bad body length ${bodyLength}`;
    const propertiesLength = body.readInt16BE(propertiesLengthAt);
    const end = propertiesLengthAt + 2 + propertiesLength;
    if (propertiesLength < 0 || end > body.length || (totalSize !== end - at && totalSize !== 0))
      return `batch message at byte ${at} has inconsistent sizes`;
    messages.push({
      flag,
      body: body.subarray(bodyStart, propertiesLengthAt),
      properties: body.subarray(propertiesLengthAt + 2, end),
      propertiesSuffix: headerProperties,
    });
    at = end;
  }
  if (messages.length === 0) return 'the batch is empty';
  return messages;
}
