/**
 * Seeded hostile frames for the protocol fuzz: random bytes, broken length fields, JSON and
 * binary headers with hostile extFields for every code a server serves (the field names come
 * from the request schemas, so each code gets its own fields wrong), and hostile bodies.
 * The same seed gives the same frames, so a failure is replayed from its seed alone.
 */
import { encodeFrameParts } from '../../src/remoting/frame-codec.ts';
import type { RemotingCommand } from '../../src/remoting/index.ts';
import { SerializeType } from '../../src/remoting/index.ts';
import type { RequestSchema } from '../../src/remoting/request-schema.ts';

/** mulberry32: small, fast and good enough to spread frames over their space. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
}

export interface FuzzTarget {
  /** Codes the server serves, with their schemas. */
  schemas: ReadonlyMap<number, RequestSchema>;
  /** A topic that exists, so some frames reach deep into handlers. */
  knownTopic: string;
  knownQueues: number;
}

export interface FuzzFrame {
  bytes: Buffer;
  /** The bytes are one well-formed frame that asks for an answer. */
  answered: boolean;
  /** A frame the server should close the connection on (or may). */
  breaks: boolean;
  code: number;
}

const HOSTILE_NUMBERS = [
  '0',
  '-1',
  '1',
  '2147483647',
  '2147483648',
  '-2147483649',
  '1462701593',
  '99999',
  '9007199254740991',
  '9007199254740993',
  '-9223372036854775808',
  '99999999999999999999999',
  '1e3',
  '1e309',
  '0x10',
  ' 7',
  '7 ',
  '+5',
  '1.5',
  'NaN',
  'Infinity',
  '-0',
  '',
  '٣',
];

const HOSTILE_STRINGS = [
  '',
  ' ',
  '%RETRY%',
  '%DLQ%x',
  'TBW102',
  'SCHEDULE_TOPIC_XXXX',
  'rmq_sys_wheel_timer',
  '__proto__',
  'constructor',
  'a/b',
  '../../etc/passwd',
  'ü日本\u0000\u0001\u0002',
  '\ud800',
  'true',
  'TRUE',
  'SQL92',
  'TAG',
  '*',
  'a || b',
  "a > 1 AND b = 'x'",
  '${jndi:ldap://x}',
];

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

/** Codes no server serves, plus the edges of the code space. */
const STRANGE_CODES = [0, -1, 2147483647, -2147483648, 9999, 13, 47, 308];

export class FrameFuzzer {
  readonly #random: Random;
  readonly #target: FuzzTarget;
  readonly #codes: number[];
  #opaque = 1;

  constructor(seed: number, target: FuzzTarget) {
    this.#random = new Random(seed);
    this.#target = target;
    this.#codes = [...target.schemas.keys()];
  }

  /** One frame; about 1 in 12 breaks its connection (bad length, garbage, bad header). */
  next(): FuzzFrame {
    const r = this.#random;
    const roll = r.next();
    if (roll < 0.03) return this.#garbage();
    if (roll < 0.06) return this.#brokenLength();
    if (roll < 0.08) return this.#brokenJsonHeader();
    const command = this.#command();
    const binary = r.chance(0.1);
    command.serializeType = binary ? SerializeType.ROCKETMQ : SerializeType.JSON;
    let bytes: Buffer;
    try {
      bytes = Buffer.concat(encodeFrameParts(command));
    } catch {
      // The codec refuses some values (e.g. lone surrogates in binary headers): send JSON text.
      bytes = jsonFrame(JSON.stringify(jsonHeader(command)), command.body);
    }
    return { bytes, answered: (command.flag & 2) === 0, breaks: false, code: command.code };
  }

  #command(): RemotingCommand {
    const r = this.#random;
    const code = r.chance(0.04) ? r.pick(STRANGE_CODES) : r.pick(this.#codes);
    const schema = this.#target.schemas.get(code);
    const ext: Record<string, string> = {};
    for (const [name, rule] of Object.entries(schema?.fields ?? {})) {
      if (r.chance(rule.required ? 0.06 : 0.5)) continue;
      ext[name] = this.#value(rule.type);
    }
    if (r.chance(0.15)) ext[r.pick(PROTOTYPE_KEYS)] = this.#value('string');
    if (r.chance(0.05)) ext[r.pick(HOSTILE_STRINGS) || 'k'] = this.#longString();
    return {
      code,
      language: r.chance(0.9) ? 'JAVA' : r.pick(['CPP', 'GO', 'NODE_JS', 'ü', '']),
      version: r.chance(0.9) ? 409 : r.int(2000) - 1000,
      opaque: this.#opaque++ & 0x7fffffff,
      flag: r.chance(0.05) ? 2 : 0,
      remark: r.chance(0.05) ? this.#value('string') : undefined,
      extFields: ext,
      body: this.#body(code),
      serializeType: SerializeType.JSON,
    };
  }

  #value(type: string): string {
    const r = this.#random;
    const { knownTopic, knownQueues } = this.#target;
    // Often a valid value, so the other fields of the frame get their turn.
    if (r.chance(0.45)) {
      switch (type) {
        case 'topic':
          return r.chance(0.7) ? knownTopic : `Fuzz_${r.int(50)}`;
        case 'group':
          return `G${r.int(20)}`;
        case 'int':
        case 'long':
          return String(r.chance(0.7) ? r.int(knownQueues + 1) : r.int(1 << 20));
        case 'bool':
          return r.chance(0.5) ? 'true' : 'false';
        default:
          return r.chance(0.5) ? knownTopic : `v${r.int(1000)}`;
      }
    }
    if (r.chance(0.5)) return r.pick(HOSTILE_NUMBERS);
    if (r.chance(0.8)) return r.pick(HOSTILE_STRINGS);
    return this.#longString();
  }

  #longString(): string {
    const r = this.#random;
    const unit = r.pick(['a', 'é', '日', '%', '\u0001', '😀']);
    return unit.repeat(r.pick([128, 256, 1000, 40_000]));
  }

  #body(code: number): Buffer | undefined {
    const r = this.#random;
    const roll = r.next();
    if (roll < 0.35) return undefined;
    if (roll < 0.55) return r.bytes(r.int(r.chance(0.9) ? 200 : 70_000));
    if (roll < 0.75) return Buffer.from(this.#hostileJson(0));
    if (roll < 0.85) return Buffer.from(this.#knownShapes(code));
    if (roll < 0.9) return Buffer.from('['.repeat(r.int(100_000)));
    return Buffer.from(`msg-${r.int(1_000_000)}`);
  }

  /** Bodies shaped like heartbeats, lock bodies and group configs, with hostile members. */
  #knownShapes(code: number): string {
    const r = this.#random;
    const queue = () => ({
      topic: r.chance(0.5) ? this.#target.knownTopic : this.#value('string'),
      brokerName: 'broker-a',
      queueId: r.chance(0.5) ? r.int(8) : Number(r.pick(HOSTILE_NUMBERS)) || r.pick([-1, 1e300]),
    });
    const shapes = [
      {
        clientID: this.#value('string'),
        consumerDataSet: [
          {
            groupName: this.#value('group'),
            consumeType: r.pick(['CONSUME_PASSIVELY', 'X', 7]),
            messageModel: r.pick(['CLUSTERING', 'BROADCASTING', null]),
            subscriptionDataSet: [
              {
                topic: this.#value('topic'),
                subString: r.pick(['*', 'a || b', "a > 'x'", '((((', this.#longString()]),
                expressionType: r.pick(['TAG', 'SQL92', 'XX']),
                subVersion: r.pick([0, -1, 1e300, 'x']),
                tagsSet: r.chance(0.5) ? ['a'] : { a: 1 },
              },
            ],
          },
        ],
        producerDataSet: [{ groupName: this.#value('group') }],
      },
      { consumerGroup: this.#value('group'), clientId: 'c', mqSet: [queue(), queue(), {}] },
      { groupName: this.#value('group'), retryQueueNums: r.pick([1, -1, 1e9]), retryMaxTimes: 'x' },
      { subscriptionData: { topic: this.#value('topic'), subString: "a = 'b'" } },
    ];
    const text = JSON.stringify(shapes[code % shapes.length] ?? shapes[r.int(shapes.length)]);
    return r.chance(0.2) ? text.replace('"clientID"', '"__proto__"') : text;
  }

  #hostileJson(depth: number): string {
    const r = this.#random;
    if (depth > 4) return r.pick(['1', '"x"', 'null', '1e400', '-0', 'true']);
    switch (r.int(6)) {
      case 0:
        return `{"__proto__":${this.#hostileJson(depth + 1)},"constructor":{"prototype":1}}`;
      case 1:
        return `[${Array.from({ length: r.int(5) }, () => this.#hostileJson(depth + 1)).join(',')}]`;
      case 2:
        return `{"${r.pick(HOSTILE_STRINGS)}":${this.#hostileJson(depth + 1)}}`;
      case 3:
        return r.pick(HOSTILE_NUMBERS) || '0';
      case 4:
        return JSON.stringify(r.pick(HOSTILE_STRINGS));
      default:
        return `{1:${r.int(100)},"a":[1,2,`; /* unterminated on purpose */
    }
  }

  #garbage(): FuzzFrame {
    const r = this.#random;
    const bytes = r.bytes(1 + r.int(r.chance(0.9) ? 64 : 4096));
    return { bytes, answered: false, breaks: true, code: -1 };
  }

  /** A frame whose length fields disagree with its bytes. */
  #brokenLength(): FuzzFrame {
    const r = this.#random;
    const header = Buffer.from(`{"code":${r.pick(this.#codes)},"opaque":1,"flag":0}`);
    const frame = Buffer.alloc(8 + header.length);
    header.copy(frame, 8);
    const total = 4 + header.length;
    switch (r.int(6)) {
      case 0: // header length past the frame
        frame.writeInt32BE(total, 0);
        frame.writeInt32BE(header.length + 1 + r.int(1 << 20), 4);
        break;
      case 1: // frame shorter than its header-length field
        frame.writeInt32BE(r.int(4), 0);
        frame.writeInt32BE(header.length, 4);
        break;
      case 2: // over the frame limit
        frame.writeUInt32BE(16 * 1024 * 1024 + 1 + r.int(1 << 30), 0);
        frame.writeInt32BE(header.length, 4);
        return {
          bytes: frame.subarray(0, 8 + r.int(header.length)),
          answered: false,
          breaks: true,
          code: -1,
        };
      case 3: // negative length
        frame.writeInt32BE(-1 - r.int(1000), 0);
        frame.writeInt32BE(header.length, 4);
        break;
      case 4: // unknown serialize type
        frame.writeInt32BE(total, 0);
        frame.writeUInt32BE(((2 + r.int(250)) * 0x1000000 + header.length) >>> 0, 4);
        break;
      default: // binary header type with JSON bytes
        frame.writeInt32BE(total, 0);
        frame.writeUInt32BE((1 << 24) | header.length, 4);
        break;
    }
    return { bytes: frame, answered: false, breaks: true, code: -1 };
  }

  /** A header of the right length that is not a usable JSON header. */
  #brokenJsonHeader(): FuzzFrame {
    const r = this.#random;
    const code = r.pick(this.#codes);
    const text = r.pick([
      `{"code":"${code}","opaque":1}`,
      `{"code":${code}}`,
      `{"code":${code},"opaque":1.5}`,
      `{"code":${code},"opaque":1,"extFields":[1,2]}`,
      `{"code":${code},"opaque":1,"extFields":"x"}`,
      `{"code":1e400,"opaque":1}`,
      `[${code}]`,
      'null',
      `{"code":${code},"opaque":1,"flag":"x"}`,
      `{"code":${code},"opaque":1,"extFields":{"a":{"b":${'['.repeat(5000)}`,
      this.#hostileJson(0),
    ]);
    const bytes = jsonFrame(text, undefined);
    return { bytes, answered: false, breaks: true, code };
  }
}

function jsonHeader(command: RemotingCommand): object {
  return {
    code: command.code,
    opaque: command.opaque,
    flag: command.flag,
    language: command.language,
    version: command.version,
    extFields: command.extFields,
  };
}

/** A frame with `text` as its JSON header, built by hand (no codec checks). */
export function jsonFrame(text: string, body: Buffer | undefined): Buffer {
  const header = Buffer.from(text);
  const bodyLength = body?.length ?? 0;
  const frame = Buffer.alloc(8 + header.length + bodyLength);
  frame.writeInt32BE(4 + header.length + bodyLength, 0);
  frame.writeInt32BE(header.length, 4);
  header.copy(frame, 8);
  body?.copy(frame, 8 + header.length);
  return frame;
}
