/**
 * The body of SEND_BATCH_MESSAGE (protocol/REMOTING.md 13.7): per message totalSize, magic,
 * bodyCRC, flag, body and properties. Each message keeps its own properties with the batch
 * header's appended.
 */
import type { SendMessagePart } from '../actor/request-encoder.ts';

const MAX_BATCH_MESSAGES = 65_535;

/** The messages of a batch body, or a remark saying why it is malformed. */
export function decodeBatchBody(
  body: Buffer,
  headerProperties: string,
): SendMessagePart[] | string {
  const messages: SendMessagePart[] = [];
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
