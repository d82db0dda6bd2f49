/** Message lookups: queryMsgById, queryMsgByKey, queryMsgByOffset, printMsg. */
import type { MessageExt } from '../../client/core/message.ts';
import { formatTable } from '../table.ts';
import type { AdminSubcommand } from './context.ts';
import { CommandFailedError } from './context.ts';
import {
  bodyText,
  encodingOf,
  formatTime,
  messageDetails,
  messageJson,
  parseTimestamp,
} from './message-format.ts';
import type { ParsedOptions } from './options.ts';

const TOPIC = {
  letter: 't',
  name: 'topic',
  kind: 'string',
  description: 'topic',
  required: true,
} as const;

function timeOption(options: ParsedOptions, letter: string, name: string): number | undefined {
  const text = options.string(letter);
  return text === undefined ? undefined : parseTimestamp(text, `-${letter} (${name})`);
}

export const messageCommands: AdminSubcommand[] = [
  {
    name: 'queryMsgById',
    summary: 'Show messages by id: an offset id, or with -t a unique id (UNIQ_KEY) too.',
    options: [
      {
        letter: 'i',
        name: 'msgId',
        kind: 'string',
        description: 'message id(s), comma separated',
        required: true,
      },
      { letter: 't', name: 'topic', kind: 'string', description: 'topic (needed for unique ids)' },
      { letter: 'c', name: 'charset', kind: 'string', description: 'body charset (default UTF-8)' },
    ],
    async run(ctx) {
      const encoding = encodingOf(ctx.options.string('c'));
      const ids = ctx.options
        .need('i')
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      const found: MessageExt[] = [];
      for (const id of ids.slice(0, 100)) {
        const messages = await ctx.admin.queryMsgById(id, ctx.options.string('t'));
        if (messages.length === 0) throw new CommandFailedError(`no message with id ${id}`);
        found.push(...messages);
      }
      ctx.print({ messages: found.map((m) => messageJson(m, encoding)) }, () =>
        found.map((m) => messageDetails(m, encoding)).join('\n'),
      );
    },
  },
  {
    name: 'queryMsgByKey',
    summary: 'List the messages of a topic with a key (KEYS), on every broker.',
    options: [
      TOPIC,
      { letter: 'k', name: 'msgKey', kind: 'string', description: 'key', required: true },
      {
        letter: 'b',
        name: 'beginTimestamp',
        kind: 'string',
        description: 'stored at or after (ms or yyyy-MM-dd#HH:mm:ss:SSS)',
      },
      { letter: 'e', name: 'endTimestamp', kind: 'string', description: 'stored at or before' },
      {
        letter: 'c',
        name: 'maxNum',
        kind: 'int',
        min: 1,
        max: 64,
        description: 'most messages per broker (default 64)',
      },
    ],
    async run(ctx) {
      const o = ctx.options;
      const begin = timeOption(o, 'b', 'beginTimestamp');
      const end = timeOption(o, 'e', 'endTimestamp');
      const messages = await ctx.admin.queryMsgByKey(o.need('t'), o.need('k'), {
        ...(begin === undefined ? {} : { beginTimestampMs: begin }),
        ...(end === undefined ? {} : { endTimestampMs: end }),
        ...(o.int('c') === undefined ? {} : { maxNum: o.int('c')! }),
      });
      ctx.print({ messages: messages.map((m) => messageJson(m, 'utf8')) }, () =>
        formatTable(
          ['#Message ID', '#Broker Name', '#QID', '#Offset', '#Store Time'],
          messages.map((m) => [
            m.msgId,
            m.brokerName ?? '',
            m.queueId,
            m.queueOffset,
            formatTime(m.storeTimestamp),
          ]),
        ),
      );
    },
  },
  {
    name: 'queryMsgByOffset',
    summary: 'Show the message at an offset of one queue.',
    options: [
      TOPIC,
      {
        letter: 'b',
        name: 'brokerName',
        kind: 'string',
        description: 'broker name',
        required: true,
      },
      {
        letter: 'i',
        name: 'queueId',
        kind: 'int',
        min: 0,
        max: 65535,
        description: 'queue id',
        required: true,
      },
      {
        letter: 'o',
        name: 'offset',
        kind: 'int',
        min: 0,
        description: 'queue offset',
        required: true,
      },
      { letter: 'c', name: 'charset', kind: 'string', description: 'body charset (default UTF-8)' },
    ],
    async run(ctx) {
      const o = ctx.options;
      const encoding = encodingOf(o.string('c'));
      const queue = { topic: o.need('t'), brokerName: o.need('b'), queueId: o.int('i')! };
      const message = await ctx.admin.queryMsgByOffset(queue, o.int('o')!);
      if (!message)
        throw new CommandFailedError(
          `no message at offset ${o.int('o')} of ${queue.topic} ${queue.brokerName}/${queue.queueId}`,
        );
      ctx.print(messageJson(message, encoding), () => messageDetails(message, encoding));
    },
  },
  {
    name: 'printMsg',
    summary: 'Print the messages of a topic, queue by queue (optionally by tag and time).',
    options: [
      TOPIC,
      { letter: 'c', name: 'charset', kind: 'string', description: 'body charset (default UTF-8)' },
      {
        letter: 's',
        name: 'subExpression',
        kind: 'string',
        description: 'tags, e.g. "a || b" (default *)',
      },
      {
        letter: 'b',
        name: 'beginTimestamp',
        kind: 'string',
        description: 'stored at or after (ms or yyyy-MM-dd#HH:mm:ss:SSS)',
      },
      { letter: 'e', name: 'endTimestamp', kind: 'string', description: 'stored at or before' },
      { letter: 'd', name: 'printBody', kind: 'bool', description: 'print bodies (default true)' },
      {
        letter: 'm',
        name: 'maxMessages',
        kind: 'int',
        min: 1,
        max: 1_000_000,
        description: 'stop after this many (default 10000)',
      },
    ],
    async run(ctx) {
      const o = ctx.options;
      const encoding = encodingOf(o.string('c'));
      const printBody = o.bool('d') ?? true;
      const begin = timeOption(o, 'b', 'beginTimestamp');
      const end = timeOption(o, 'e', 'endTimestamp');
      const progress = ctx.progress('queues read');
      const all: Array<Record<string, unknown>> = [];
      for await (const read of ctx.admin.readMessages(o.need('t'), {
        subExpression: o.string('s') ?? '*',
        maxMessages: o.int('m') ?? 10_000,
        ...(begin === undefined ? {} : { beginTimestampMs: begin }),
        ...(end === undefined ? {} : { endTimestampMs: end }),
        onQueue: (_queue, done, total) => progress.update(done, total),
      })) {
        if (ctx.options.json) {
          for (const m of read.messages) {
            const json = messageJson(m, encoding);
            if (!printBody) delete json['body'];
            all.push(json);
          }
          continue;
        }
        for (const m of read.messages)
          ctx.write(
            `MSGID: ${m.msgId} ${read.queue.brokerName}/${m.queueId}@${m.queueOffset}` +
              ` TAGS: ${m.tags ?? ''} KEYS: ${m.keys.join(' ')} STORE: ${formatTime(m.storeTimestamp)}` +
              (printBody ? ` BODY: ${bodyText(m, encoding)}` : '') +
              '\n',
          );
      }
      progress.done();
      if (ctx.options.json) ctx.print({ messages: all }, () => '');
    },
  },
];
