import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, SerializeType } from '../../../src/remoting/command.ts';
import type { RemotingCommand } from '../../../src/remoting/command.ts';
import { RemotingError } from '../../../src/remoting/errors.ts';
import {
  decodeCommand,
  encodeCommand,
  encodeFrameParts,
  FrameDecoder,
} from '../../../src/remoting/frame-codec.ts';

function int32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

/** A whole frame from a header given as text or bytes, built the way the spec draws it. */
function frame(header: string | Buffer, type: number, body = Buffer.alloc(0)): Buffer {
  const headerBytes = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  return Buffer.concat([
    int32(4 + headerBytes.length + body.length),
    int32(((type << 24) | headerBytes.length) >>> 0),
    headerBytes,
    body,
  ]);
}

function catchError(action: () => unknown): RemotingError {
  try {
    action();
  } catch (error) {
    if (error instanceof RemotingError) return error;
    throw error;
  }
  throw new Error('expected a RemotingError');
}

// As ali-ons sends a pull: its own key order, numbers and booleans unquoted (ali-ons.md 2).
const ALI_ONS_PULL =
  '{"code":11,"language":"JAVA","opaque":7,"flag":0,"version":121,"extFields":' +
  '{"consumerGroup":"G","topic":"T","queueId":0,"queueOffset":12,"maxMsgNums":32,' +
  '"sysFlag":2,"commitOffset":0,"suspendTimeoutMillis":15000,"subscription":"*",' +
  '"subVersion":1690000000000,"unitMode":false}}';

// The same command as Java writes it: keys sorted, every extFields value a string.
const JAVA_PULL =
  '{"code":11,"extFields":{"consumerGroup":"G","topic":"T","queueId":"0","queueOffset":"12",' +
  '"maxMsgNums":"32","sysFlag":"2","commitOffset":"0","suspendTimeoutMillis":"15000",' +
  '"subscription":"*","subVersion":"1690000000000","unitMode":"false"},"flag":0,' +
  '"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":121}';

// HEART_BEAT (34), JAVA, version 409, opaque 5, flag 0, no remark, extFields {a: "1"}.
const BINARY_HEADER = Buffer.from([
  0x00, 0x22, 0x00, 0x01, 0x99, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1, 0x61, 0, 0, 0,
  1, 0x31,
]);

describe('remoting frame codec - byte-exact frames', () => {
  it('decodes an ali-ons JSON request with numeric extFields and re-encodes it as Java does', () => {
    const wire = frame(ALI_ONS_PULL, 0);
    const command = decodeCommand(wire.subarray(4));
    expect(command).toEqual({
      code: 11,
      language: 'JAVA',
      version: 121,
      opaque: 7,
      flag: 0,
      remark: undefined,
      extFields: {
        consumerGroup: 'G',
        topic: 'T',
        queueId: '0',
        queueOffset: '12',
        maxMsgNums: '32',
        sysFlag: '2',
        commitOffset: '0',
        suspendTimeoutMillis: '15000',
        subscription: '*',
        subVersion: '1690000000000',
        unitMode: 'false',
      },
      body: undefined,
      serializeType: SerializeType.JSON,
    });
    expect(encodeCommand(command)).toEqual(frame(JAVA_PULL, 0));
  });

  it('decodes and re-encodes a ROCKETMQ binary header with a body, byte for byte', () => {
    const body = Buffer.from('xyz');
    const wire = frame(BINARY_HEADER, 1, body);
    expect(wire.subarray(0, 8)).toEqual(Buffer.from([0, 0, 0, 36, 1, 0, 0, 29]));
    const command = decodeCommand(wire.subarray(4));
    expect(command).toMatchObject({
      code: 34,
      language: 'JAVA',
      version: 409,
      opaque: 5,
      flag: 0,
      remark: undefined,
      extFields: { a: '1' },
      serializeType: SerializeType.ROCKETMQ,
    });
    expect(command.body).toEqual(body);
    expect(encodeCommand(command)).toEqual(wire);
  });

  it('writes a remark and a body into a JSON frame, remark omitted when undefined', () => {
    const request = createRequest(10, { topic: 'T' });
    request.opaque = 3;
    const response = createResponse(request, 1, 'bad "x"\u0001', undefined, Buffer.from('hi'));
    const header =
      '{"code":1,"flag":1,"language":"JAVA","opaque":3,"remark":"bad \\"x\\"\\u0001",' +
      '"serializeTypeCurrentRPC":"JSON","version":409}';
    expect(encodeCommand(response)).toEqual(frame(header, 0, Buffer.from('hi')));
  });

  it('answers in the serialization of the request: binary stays binary, JSON keeps high byte 0', () => {
    const binaryRequest = decodeCommand(frame(BINARY_HEADER, 1).subarray(4));
    expect(encodeCommand(createResponse(binaryRequest))[4]).toBe(1);
    const jsonRequest = decodeCommand(frame(ALI_ONS_PULL, 0).subarray(4));
    const jsonResponse = encodeCommand(createResponse(jsonRequest));
    expect(jsonResponse[4]).toBe(0);
    expect(jsonResponse.readInt32BE(4)).toBe(jsonResponse.length - 8);
  });

  it('returns the body as a view of the frame, and large bodies as a separate part', () => {
    const wire = frame('{"code":1,"opaque":2}', 0, Buffer.from('body'));
    const command = decodeCommand(wire.subarray(4));
    expect(command.body).toEqual(Buffer.from('body'));
    expect(command.body!.buffer).toBe(wire.buffer);
    const big = Buffer.alloc(100_000, 7);
    const parts = encodeFrameParts(createRequest(10, undefined, big));
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(big);
    expect(parts[0].readInt32BE(0)).toBe(parts[0].length - 4 + big.length);
  });

  it('tolerates missing language, version, flag and remark; stringifies odd extFields', () => {
    const command = decodeCommand(
      frame(
        '{"code":34,"opaque":-5,"extFields":{"n":1.5,"b":true,"z":null,"o":{"x":1}}}',
        0,
      ).subarray(4),
    );
    expect(command).toMatchObject({ code: 34, opaque: -5, flag: 0, version: 0, language: 'JAVA' });
    expect(command.extFields).toEqual({ n: '1.5', b: 'true', o: '{"x":1}' });
  });

  it.each([
    ['{"opaque":1}', /code/],
    ['{"code":1,"opaque":"1"}', /opaque/],
    ['{"code":1.5,"opaque":1}', /code/],
    ['{"code":1,"opaque":4294967296}', /opaque/],
    ['{"code":1,"opaque":1,"flag":"x"}', /flag/],
    ['{"code":1,"opaque":1,"extFields":[1]}', /extFields/],
    ['[1]', /not an object/],
    ['{nope', /not valid JSON/],
  ])('rejects the JSON header %s', (header, message) => {
    const error = catchError(() => decodeCommand(frame(header, 0).subarray(4)));
    expect(error.code).toBe('REMOTING_MALFORMED');
    expect(error.message).toMatch(message);
  });

  it('rejects a header length beyond the frame, an unknown type and short binary headers', () => {
    const tooLong = Buffer.concat([int32(100), Buffer.from('{}')]);
    expect(catchError(() => decodeCommand(tooLong)).message).toMatch(/header length 100/);
    expect(catchError(() => decodeCommand(frame('{}', 2).subarray(4))).message).toMatch(/type 2/);
    const truncated = frame(BINARY_HEADER.subarray(0, 20), 1).subarray(4);
    expect(catchError(() => decodeCommand(truncated)).code).toBe('REMOTING_MALFORMED');
    const badExt = Buffer.from(BINARY_HEADER);
    badExt.writeInt32BE(9, 17);
    expect(catchError(() => decodeCommand(frame(badExt, 1).subarray(4))).message).toMatch(
      /extFields length 9/,
    );
  });
});

describe('remoting frame codec - FrameDecoder', () => {
  const frames = [
    frame('{"code":1,"opaque":1}', 0),
    frame(BINARY_HEADER, 1, Buffer.from('body bytes')),
    frame('{"code":3,"opaque":3}', 0, Buffer.alloc(300, 1)),
  ];
  const stream = Buffer.concat(frames);
  const expected = frames.map((whole) => whole.subarray(4));

  it('returns many frames from one chunk as views of it', () => {
    const decoder = new FrameDecoder(1 << 20);
    const out = decoder.push(stream);
    expect(out).toEqual(expected);
    for (const part of out) expect(part.buffer).toBe(stream.buffer);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('reassembles frames split at every byte boundary, in two and in three chunks', () => {
    const same = (out: Buffer[]): boolean =>
      out.length === expected.length && out.every((part, i) => part.equals(expected[i]!));
    const failedSplits: string[] = [];
    for (let split = 0; split <= stream.length; split++) {
      const decoder = new FrameDecoder(1 << 20);
      const out = [
        ...decoder.push(stream.subarray(0, split)),
        ...decoder.push(stream.subarray(split)),
      ];
      if (!same(out)) failedSplits.push(String(split));
    }
    for (let first = 1; first < stream.length; first += 3) {
      for (let second = first; second <= stream.length; second += 2) {
        const decoder = new FrameDecoder(1 << 20);
        const out = [
          ...decoder.push(stream.subarray(0, first)),
          ...decoder.push(stream.subarray(first, second)),
          ...decoder.push(stream.subarray(second)),
        ];
        if (!same(out)) failedSplits.push(`${first}/${second}`);
      }
    }
    expect(failedSplits).toEqual([]);
  });

  it('reassembles a stream fed one byte at a time', () => {
    const decoder = new FrameDecoder(1 << 20);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(expected);
    expect(out.map((part) => decodeCommand(part).code)).toEqual([1, 34, 3]);
  });

  it('refuses a length above the maximum and below 4', () => {
    const large = catchError(() => new FrameDecoder(1024).push(int32(1025)));
    expect(large.code).toBe('REMOTING_FRAME_TOO_LARGE');
    expect(large.message).toMatch(/1025 exceeds the maximum of 1024/);
    const huge = catchError(() =>
      new FrameDecoder(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xff])),
    );
    expect(huge.code).toBe('REMOTING_FRAME_TOO_LARGE');
    const small = catchError(() => new FrameDecoder(1024).push(int32(3)));
    expect(small.code).toBe('REMOTING_MALFORMED');
    const split = new FrameDecoder(1024);
    expect(split.push(Buffer.from([0, 0]))).toEqual([]);
    expect(catchError(() => split.push(Buffer.from([0x10, 0]))).code).toBe(
      'REMOTING_FRAME_TOO_LARGE',
    );
  });
});

const LANGUAGES = ['JAVA', 'CPP', 'GO', 'PYTHON', 'RUST', 'OTHER'];

function commandArbitrary(serializeType: 0 | 1): fc.Arbitrary<RemotingCommand> {
  const int32Arb = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const int16Arb = fc.integer({ min: -32768, max: 32767 });
  const nonEmpty = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' });
  return fc.record({
    code: serializeType === 1 ? int16Arb : int32Arb,
    language: fc.constantFrom(...LANGUAGES),
    version: serializeType === 1 ? int16Arb : int32Arb,
    opaque: int32Arb,
    flag: int32Arb,
    remark: fc.option(nonEmpty, { nil: undefined }),
    extFields: fc.option(
      fc.dictionary(
        nonEmpty.filter((key) => key !== '__proto__'),
        nonEmpty,
        { minKeys: 1 },
      ),
      { nil: undefined },
    ),
    body: fc.option(
      fc.uint8Array({ minLength: 1, maxLength: 6000 }).map((bytes) => Buffer.from(bytes)),
      { nil: undefined },
    ),
    serializeType: fc.constant(serializeType),
  });
}

describe('remoting frame codec - round trips', () => {
  it.each([0, 1] as const)('decode(encode(c)) equals c for serialize type %i', (type) => {
    fc.assert(
      fc.property(commandArbitrary(type), (command) => {
        const wire = encodeCommand(command);
        expect(wire.readInt32BE(0)).toBe(wire.length - 4);
        expect(wire[4]).toBe(type);
        expect(decodeCommand(wire.subarray(4))).toEqual(command);
      }),
      { numRuns: 300 },
    );
  });
});
