/**
 * The ROCKETMQ binary command header (serialize type 1), layout per protocol/REMOTING.md 4:
 *
 *   code:int16 | language:uint8 | version:int16 | opaque:int32 | flag:int32 |
 *   remarkLength:int32 | remark | extLength:int32 | { keyLength:int16 key valueLength:int32 value }*
 *
 * All big-endian, text UTF-8. A zero-length remark, key or value is Java's null: such a remark
 * is absent and such an entry is dropped, on read and on write.
 */
import { SerializeType } from './command.ts';
import type { RemotingCommand } from './command.ts';
import { RemotingError } from './errors.ts';

/** Index = the language byte (protocol/REMOTING.md 3.1). */
const LANGUAGES = [
  'JAVA',
  'CPP',
  'DOTNET',
  'PYTHON',
  'DELPHI',
  'ERLANG',
  'RUBY',
  'OTHER',
  'HTTP',
  'GO',
  'PHP',
  'OMS',
  'RUST',
] as const;

const LANGUAGE_BYTES = new Map<string, number>(LANGUAGES.map((name, index) => [name, index]));
const FIXED_BYTES = 21;

function malformed(message: string): RemotingError {
  return new RemotingError('REMOTING_MALFORMED', `binary header ${message}`);
}

/** Decodes the header bytes frame[start, end) and attaches `body`. */
export function decodeBinaryHeader(
  frame: Buffer,
  start: number,
  end: number,
  body: Buffer | undefined,
): RemotingCommand {
  if (end - start < FIXED_BYTES) throw malformed(`is ${end - start} bytes, below ${FIXED_BYTES}`);
  const code = frame.readInt16BE(start);
  const languageByte = frame[start + 2]!;
  const version = frame.readInt16BE(start + 3);
  const opaque = frame.readInt32BE(start + 5);
  const flag = frame.readInt32BE(start + 9);
  const remarkLength = frame.readInt32BE(start + 13);
  let position = start + 17;
  if (remarkLength < 0 || remarkLength > end - position - 4) {
    throw malformed(`remark length ${remarkLength} does not fit`);
  }
  const remark =
    remarkLength === 0 ? undefined : frame.toString('utf8', position, position + remarkLength);
  position += remarkLength;
  const extLength = frame.readInt32BE(position);
  position += 4;
  if (extLength < 0 || extLength !== end - position) {
    throw malformed(`extFields length ${extLength} does not match the ${end - position} left`);
  }
  return {
    code,
    language: LANGUAGES[languageByte] ?? 'OTHER',
    version,
    opaque,
    flag,
    remark,
    extFields: extLength === 0 ? undefined : decodeExtFields(frame, position, end),
    body,
    serializeType: SerializeType.ROCKETMQ,
  };
}

function decodeExtFields(frame: Buffer, start: number, end: number): Record<string, string> {
  const fields: Record<string, string> = {};
  let position = start;
  while (position < end) {
    if (end - position < 2) throw malformed('extFields entry truncated at its key length');
    const keyLength = frame.readInt16BE(position);
    position += 2;
    if (keyLength < 0 || keyLength > end - position - 4) {
      throw malformed(`extFields key length ${keyLength} does not fit`);
    }
    const key = frame.toString('utf8', position, position + keyLength);
    position += keyLength;
    const valueLength = frame.readInt32BE(position);
    position += 4;
    if (valueLength < 0 || valueLength > end - position) {
      throw malformed(`extFields value length ${valueLength} does not fit`);
    }
    if (keyLength > 0 && valueLength > 0) {
      // defineProperty keeps a "__proto__" key an ordinary member.
      Object.defineProperty(fields, key, {
        value: frame.toString('utf8', position, position + valueLength),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    position += valueLength;
  }
  return fields;
}

/** The header bytes for `command`. */
export function encodeBinaryHeader(command: RemotingCommand): Buffer {
  const remark = command.remark ?? '';
  const remarkBytes = remark === '' ? 0 : Buffer.byteLength(remark);
  const entries: Array<[string, string]> = [];
  let extBytes = 0;
  const fields = command.extFields;
  if (fields !== undefined && fields !== null) {
    for (const key in fields) {
      const raw: unknown = fields[key];
      if (raw === undefined || raw === null || key === '') continue;
      const value = String(raw);
      if (value === '') continue;
      const keyBytes = Buffer.byteLength(key);
      if (keyBytes > 0x7fff) throw new RemotingError('REMOTING_SEND', `extFields key too long`);
      extBytes += 2 + keyBytes + 4 + Buffer.byteLength(value);
      entries.push([key, value]);
    }
  }
  const header = Buffer.allocUnsafe(FIXED_BYTES + remarkBytes + extBytes);
  // Java narrows code and version to short; do the same instead of throwing on wide values.
  header.writeInt16BE((command.code << 16) >> 16, 0);
  header[2] = LANGUAGE_BYTES.get(command.language) ?? 0;
  header.writeInt16BE((command.version << 16) >> 16, 3);
  header.writeInt32BE(command.opaque | 0, 5);
  header.writeInt32BE(command.flag | 0, 9);
  header.writeInt32BE(remarkBytes, 13);
  let position = 17;
  if (remarkBytes > 0) position += header.write(remark, position, 'utf8');
  header.writeInt32BE(extBytes, position);
  position += 4;
  for (const [key, value] of entries) {
    const keyBytes = header.write(key, position + 2, 'utf8');
    header.writeInt16BE(keyBytes, position);
    position += 2 + keyBytes;
    const valueBytes = header.write(value, position + 4, 'utf8');
    header.writeInt32BE(valueBytes, position);
    position += 4 + valueBytes;
  }
  return header;
}
