/**
 * sendMessage and consumeMessage, for trying a topic from the shell. consumeMessage reads from
 * each queue's oldest kept message (or -o / -s) as TOOLS_CONSUMER and commits nothing; with -g
 * it reads as that group and commits what it read, so consumerProgress then shows what is left.
 */
import type { MessageExt } from '../../client/core/message.ts';
import { Producer } from '../../client/producer/producer.ts';
import { formatTable } from '../table.ts';
import type { AdminSubcommand } from './context.ts';
import { bodyText, formatTime, messageJson, parseTimestamp } from './message-format.ts';
import { UsageError } from './options.ts';

const ADMIN_PRODUCER_GROUP = 'TOOLS_PRODUCER';

export const sendConsumeCommands: AdminSubcommand[] = [
  {
    name: 'sendMessage',
    summary: 'Send one message (to any queue, or to -b broker -i queue).',
    options: [
      { letter: 't', name: 'topic', kind: 'string', description: 'topic', required: true },
      {
        letter: 'p',
        name: 'body',
        kind: 'string',
        description: 'message body (UTF-8)',
        required: true,
      },
      { letter: 'k', name: 'keys', kind: 'string', description: 'keys, space separated' },
      { letter: 'c', name: 'tags', kind: 'string', description: 'tag' },
      { letter: 'b', name: 'broker', kind: 'string', description: 'broker name (with -i)' },
      {
        letter: 'i',
        name: 'qid',
        kind: 'int',
        min: 0,
        max: 65535,
        description: 'queue id (with -b)',
      },
    ],
    async run(ctx) {
      const o = ctx.options;
      if (o.has('b') !== o.has('i'))
        throw new UsageError(
          o.has('b')
            ? '-i (qid) is required with -b (broker)'
            : '-b (broker) is required with -i (qid)',
        );
      const topic = o.need('t');
      const producer = new Producer({
        group: ADMIN_PRODUCER_GROUP,
        namesrvAddr: ctx.namesrvAddr,
        logger: ctx.logger,
      });
      try {
        await producer.start();
        const result = await producer.send(
          {
            topic,
            body: o.need('p'),
            ...(o.string('c') === undefined ? {} : { tags: o.string('c')! }),
            ...(o.string('k') === undefined ? {} : { keys: o.string('k')! }),
          },
          o.has('b') ? { queue: { topic, brokerName: o.need('b'), queueId: o.int('i')! } } : {},
        );
        ctx.print(result, () =>
          formatTable(
            ['#Broker Name', '#QID', '#Send Result', '#MsgId', '#OffsetMsgId'],
            [
              [
                result.messageQueue.brokerName,
                result.messageQueue.queueId,
                result.status,
                result.msgId,
                result.offsetMsgId,
              ],
            ],
          ),
        );
      } finally {
        await producer.shutdown();
      }
    },
  },
  {
    name: 'consumeMessage',
    summary: 'Read messages of a topic (-c of them); with -g commit them for that group.',
    options: [
      { letter: 't', name: 'topic', kind: 'string', description: 'topic', required: true },
      { letter: 'b', name: 'brokerName', kind: 'string', description: 'only this broker' },
      {
        letter: 'i',
        name: 'queueId',
        kind: 'int',
        min: 0,
        max: 65535,
        description: 'only this queue id',
      },
      {
        letter: 'o',
        name: 'offset',
        kind: 'int',
        min: 0,
        description: 'first queue offset read (default: the oldest kept)',
      },
      {
        letter: 'g',
        name: 'consumerGroup',
        kind: 'string',
        description: 'read as this group and commit what was read',
      },
      {
        letter: 's',
        name: 'beginTimestamp',
        kind: 'string',
        description: 'stored at or after (ms or yyyy-MM-dd#HH:mm:ss:SSS)',
      },
      { letter: 'e', name: 'endTimestamp', kind: 'string', description: 'stored at or before' },
      {
        letter: 'c',
        name: 'MessageNumber',
        kind: 'int',
        min: 1,
        max: 1_000_000,
        description: 'most messages (default 128)',
      },
    ],
    async run(ctx) {
      const o = ctx.options;
      const begin = o.string('s');
      const end = o.string('e');
      const group = o.string('g');
      const progress = ctx.progress('queues read');
      const messages: MessageExt[] = [];
      for await (const read of ctx.admin.readMessages(o.need('t'), {
        maxMessages: o.int('c') ?? 128,
        ...(o.has('b') ? { brokerName: o.need('b') } : {}),
        ...(o.has('i') ? { queueId: o.int('i')! } : {}),
        ...(o.has('o') ? { fromOffset: o.int('o')! } : {}),
        ...(begin === undefined
          ? {}
          : { beginTimestampMs: parseTimestamp(begin, '-s (beginTimestamp)') }),
        ...(end === undefined ? {} : { endTimestampMs: parseTimestamp(end, '-e (endTimestamp)') }),
        ...(group === undefined ? {} : { group }),
        onQueue: (_queue, done, total) => progress.update(done, total),
      })) {
        if (group !== undefined && read.messages.length > 0)
          await ctx.admin.commitOffset(group, read.queue, read.nextOffset);
        messages.push(...read.messages);
        if (!ctx.options.json)
          for (const m of read.messages)
            ctx.write(
              `MSGID: ${m.msgId} ${read.queue.brokerName}/${m.queueId}@${m.queueOffset}` +
                ` TAGS: ${m.tags ?? ''} KEYS: ${m.keys.join(' ')} STORE: ${formatTime(m.storeTimestamp)}` +
                ` BODY: ${bodyText(m, 'utf8')}\n`,
            );
      }
      progress.done();
      if (ctx.options.json)
        ctx.print({ messages: messages.map((m) => messageJson(m, 'utf8')) }, () => '');
      else ctx.write(`Consume ok: ${messages.length} message(s)\n`);
    },
  },
];
