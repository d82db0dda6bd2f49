/**
 * Consumer-group subcommands: updateSubGroup, deleteSubGroup, consumerProgress,
 * consumerConnection, producerConnection and resetOffsetByTime (letters as mqadmin's,
 * e.g. updateSubGroup -q retryQueueNums -r retryMaxTimes).
 */
import type { ConsumerRunningInfo } from '../../client/admin/admin-running-info.ts';
import { formatKeyValues, formatTable } from '../table.ts';
import type { AdminContext, AdminSubcommand } from './context.ts';
import { formatTime, parseTimestamp } from './message-format.ts';
import type { OptionSpec } from './options.ts';
import { BROKER_ADDR_OPTION, clusterOption } from './options.ts';

const GROUP: OptionSpec = {
  letter: 'g',
  name: 'groupName',
  kind: 'string',
  description: 'consumer group',
  required: true,
};
const BROKER_ADDR = BROKER_ADDR_OPTION;
const CLUSTER = clusterOption('master');

function target(ctx: AdminContext): { brokerAddress: string } | { clusterName: string } {
  const address = ctx.options.string('b');
  return address !== undefined
    ? { brokerAddress: address }
    : { clusterName: ctx.options.need('c') };
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const groupCommands: AdminSubcommand[] = [
  {
    name: 'updateSubGroup',
    summary:
      'Create or update a consumer group on one broker (-b) or every master of a cluster (-c).',
    options: [
      BROKER_ADDR,
      CLUSTER,
      GROUP,
      {
        letter: 's',
        name: 'consumeEnable',
        kind: 'bool',
        description: 'consumption allowed (default true)',
      },
      {
        letter: 'm',
        name: 'consumeFromMinEnable',
        kind: 'bool',
        description: 'new group starts at the min offset (default true)',
      },
      {
        letter: 'd',
        name: 'consumeBroadcastEnable',
        kind: 'bool',
        description: 'broadcasting allowed (default true)',
      },
      {
        letter: 'q',
        name: 'retryQueueNums',
        kind: 'int',
        min: 0,
        max: 1024,
        description: 'retry queues (default 1)',
      },
      {
        letter: 'r',
        name: 'retryMaxTimes',
        kind: 'int',
        min: -1,
        max: 1024,
        description: 'retries before the DLQ (default 16)',
      },
      {
        letter: 'i',
        name: 'brokerId',
        kind: 'int',
        min: 0,
        max: 1024,
        description: 'broker id consumed from (default 0)',
      },
      {
        letter: 'w',
        name: 'whichBrokerWhenConsumeSlowly',
        kind: 'int',
        min: 0,
        max: 1024,
        description: 'broker id when consuming slowly (default 1)',
      },
      {
        letter: 'a',
        name: 'notifyConsumerIdsChanged',
        kind: 'bool',
        description: 'tell members when the group changes (default true)',
      },
    ],
    oneOf: [['b', 'c']],
    async run(ctx) {
      const o = ctx.options;
      const group = o.need('g');
      const settings = defined({
        consumeEnable: o.bool('s'),
        consumeFromMinEnable: o.bool('m'),
        consumeBroadcastEnable: o.bool('d'),
        retryQueueNums: o.int('q'),
        retryMaxTimes: o.int('r'),
        brokerId: o.int('i'),
        whichBrokerWhenConsumeSlowly: o.int('w'),
        notifyConsumerIdsChangedEnable: o.bool('a'),
      });
      const brokers = await ctx.admin.updateSubGroup(group, { ...settings, ...target(ctx) });
      ctx.print({ groupName: group, settings, brokers }, () =>
        brokers
          .map((address) => `create subscription group ${group} on ${address} success.\n`)
          .join(''),
      );
    },
  },
  {
    name: 'deleteSubGroup',
    summary:
      "Delete a consumer group's config from one broker (-b) or every master of a cluster (-c).",
    options: [
      BROKER_ADDR,
      CLUSTER,
      GROUP,
      {
        letter: 'r',
        name: 'removeOffset',
        kind: 'bool',
        description: "also delete the group's offsets",
      },
    ],
    oneOf: [['b', 'c']],
    async run(ctx) {
      const group = ctx.options.need('g');
      const brokers = await ctx.admin.deleteSubGroup(group, {
        ...target(ctx),
        removeOffset: ctx.options.bool('r') ?? false,
      });
      ctx.print({ groupName: group, brokers }, () =>
        brokers
          .map((address) => `delete subscription group ${group} from ${address} success.\n`)
          .join(''),
      );
    },
  },
  {
    name: 'consumerProgress',
    summary: "Show a group's offsets and lag per queue (all its topics, or -t).",
    options: [
      GROUP,
      { letter: 't', name: 'topic', kind: 'string', description: 'only this topic' },
    ],
    async run(ctx) {
      const progress = await ctx.admin.consumerProgress(
        ctx.options.need('g'),
        ctx.options.string('t'),
      );
      const diffTotal = progress.reduce((sum, queue) => sum + queue.lag, 0);
      ctx.print(
        { queues: progress, diffTotal },
        () =>
          formatTable(
            [
              '#Topic',
              '#Broker Name',
              '#QID',
              '#Broker Offset',
              '#Consumer Offset',
              '#Diff',
              '#LastTime',
            ],
            progress.map((queue) => [
              queue.topic,
              queue.brokerName,
              queue.queueId,
              queue.brokerOffset,
              queue.consumerOffset,
              queue.lag,
              formatTime(queue.lastTimestamp),
            ]),
          ) + `\nDiff Total: ${diffTotal}\n`,
      );
    },
  },
  {
    name: 'consumerStatus',
    summary: "Show consumers' running state: settings, subscriptions and each queue's cache.",
    options: [
      GROUP,
      { letter: 'i', name: 'clientId', kind: 'string', description: 'one client (default all)' },
    ],
    async run(ctx) {
      const group = ctx.options.need('g');
      const one = ctx.options.string('i');
      const clients =
        one !== undefined
          ? [one]
          : (await ctx.admin.consumerConnection(group)).connections.map((c) => c.clientId);
      const infos: ConsumerRunningInfo[] = [];
      for (const clientId of clients)
        infos.push(await ctx.admin.consumerRunningInfo(group, clientId));
      ctx.print(infos, () =>
        infos
          .map(
            (info) =>
              `${info.clientId}\n` +
              formatKeyValues(Object.entries(info.properties).map(([k, v]) => [`${k}:`, v])) +
              '\n' +
              formatTable(
                ['#Topic', '#SubExpression', '#Type'],
                info.subscriptions.map((s) => [s.topic, s.subString, s.expressionType]),
              ) +
              '\n' +
              formatTable(
                [
                  '#Topic',
                  '#Broker',
                  '#QID',
                  '#Commit',
                  '#CachedMin',
                  '#CachedMax',
                  '#Cached',
                  '#Locked',
                  '#LastPull',
                ],
                info.queues.map(({ queue, info: q }) => [
                  queue.topic,
                  queue.brokerName,
                  queue.queueId,
                  q.commitOffset,
                  q.cachedMsgMinOffset,
                  q.cachedMsgMaxOffset,
                  q.cachedMsgCount,
                  String(q.locked),
                  formatTime(q.lastPullTimestamp),
                ]),
              ),
          )
          .join('\n'),
      );
    },
  },
  {
    name: 'consumerConnection',
    summary: "Show a consumer group's live clients and subscriptions.",
    options: [GROUP],
    async run(ctx) {
      const connection = await ctx.admin.consumerConnection(ctx.options.need('g'));
      ctx.print(
        connection,
        () =>
          formatTable(
            ['#ClientId', '#ClientAddr', '#Language', '#Version'],
            connection.connections.map((c) => [c.clientId, c.clientAddr, c.language, c.version]),
          ) +
          '\n' +
          formatTable(
            ['#Topic', '#SubExpression'],
            connection.subscriptions.map((s) => [s.topic, s.subString]),
          ) +
          '\n' +
          formatKeyValues([
            ['ConsumeType:', connection.consumeType],
            ['MessageModel:', connection.messageModel],
            ['ConsumeFromWhere:', connection.consumeFromWhere],
          ]),
      );
    },
  },
  {
    name: 'producerConnection',
    summary: "Show a producer group's clients connected to the brokers of a topic.",
    options: [
      { ...GROUP, name: 'producerGroup', description: 'producer group' },
      { letter: 't', name: 'topic', kind: 'string', description: 'topic', required: true },
    ],
    async run(ctx) {
      const connections = await ctx.admin.producerConnection(
        ctx.options.need('g'),
        ctx.options.need('t'),
      );
      ctx.print({ connections }, () =>
        formatTable(
          ['#ClientId', '#ClientAddr', '#Language', '#Version'],
          connections.map((c) => [c.clientId, c.clientAddr, c.language, c.version]),
        ),
      );
    },
  },
  {
    name: 'resetOffsetByTime',
    summary: "Move a group's offsets of a topic to a time; its running consumers follow.",
    options: [
      GROUP,
      { letter: 't', name: 'topic', kind: 'string', description: 'topic', required: true },
      {
        letter: 's',
        name: 'timestamp',
        kind: 'string',
        description: 'ms, "now", or yyyy-MM-dd#HH:mm:ss:SSS; -1 for the end',
        required: true,
      },
      { letter: 'f', name: 'force', kind: 'bool', description: 'also move forward (default true)' },
    ],
    async run(ctx) {
      const group = ctx.options.need('g');
      const topic = ctx.options.need('t');
      const text = ctx.options.need('s');
      const timestamp = text.trim() === '-1' ? -1 : parseTimestamp(text, '-s (timestamp)');
      const force = ctx.options.bool('f') ?? true;
      const progress = ctx.progress('brokers reset');
      const queues = await ctx.admin.resetOffsetByTime(group, topic, timestamp, {
        force,
        onBroker: (done, total) => progress.update(done, total),
      });
      progress.done();
      ctx.print(
        { group, topic, timestamp, force, queues },
        () =>
          `reset offsets of group ${group} on topic ${topic} to ${timestamp < 0 ? 'the end' : formatTime(timestamp)} (force=${force})\n` +
          formatTable(
            ['#Broker Name', '#QID', '#Offset'],
            queues.map((q) => [q.brokerName, q.queueId, q.offset]),
          ),
      );
    },
  },
];
