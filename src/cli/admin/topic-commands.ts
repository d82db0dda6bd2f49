/** Topic subcommands: updateTopic, deleteTopic, topicList, topicRoute, topicStatus. */
import { formatTable } from '../table.ts';
import type { AdminContext, AdminSubcommand } from './context.ts';
import { formatTime } from './message-format.ts';
import type { OptionSpec } from './options.ts';

const TOPIC: OptionSpec = {
  letter: 't',
  name: 'topic',
  kind: 'string',
  description: 'topic name',
  required: true,
};

/** How long updateTopic waits for the name servers to route the topic to every broker. */
const ROUTE_WAIT_MS = 5000;
const ROUTE_POLL_MS = 100;

/**
 * Brokers register a topic change with the name servers a moment after answering, so a
 * script's next command (sendMessage) could miss the route and auto-create the topic
 * elsewhere; wait until the route names every broker written to.
 */
async function waitForRoute(
  ctx: AdminContext,
  topic: string,
  addresses: string[],
): Promise<boolean> {
  const deadline = Date.now() + ROUTE_WAIT_MS;
  while (Date.now() < deadline) {
    const route = await ctx.admin.topicRoute(topic).catch(() => undefined);
    const routed = new Set(route?.brokerDatas.map((broker) => broker.brokerAddrs['0']) ?? []);
    if (addresses.every((address) => routed.has(address))) return true;
    await new Promise((resolve) => setTimeout(resolve, ROUTE_POLL_MS));
  }
  return false;
}

function permText(perm: number): string {
  return `${perm & 4 ? 'R' : '-'}${perm & 2 ? 'W' : '-'}`;
}

export const topicCommands: AdminSubcommand[] = [
  {
    name: 'updateTopic',
    summary: 'Create or update a topic on one broker (-b) or every master of a cluster (-c).',
    options: [
      { letter: 'b', name: 'brokerAddr', kind: 'string', description: 'broker address host:port' },
      { letter: 'c', name: 'clusterName', kind: 'string', description: 'cluster name' },
      TOPIC,
      {
        letter: 'r',
        name: 'readQueueNums',
        kind: 'int',
        min: 1,
        max: 1024,
        description: 'read queues (default 8)',
      },
      {
        letter: 'w',
        name: 'writeQueueNums',
        kind: 'int',
        min: 1,
        max: 1024,
        description: 'write queues (default 8)',
      },
      {
        letter: 'p',
        name: 'perm',
        kind: 'int',
        min: 0,
        max: 7,
        description: 'permission: 2 write, 4 read, 6 both (default 6)',
      },
      { letter: 'o', name: 'order', kind: 'bool', description: 'ordered topic (default false)' },
    ],
    oneOf: [['b', 'c']],
    async run(ctx) {
      const o = ctx.options;
      const topic = o.need('t');
      const readQueueNums = o.int('r') ?? 8;
      const writeQueueNums = o.int('w') ?? 8;
      const perm = o.int('p') ?? 6;
      const order = o.bool('o') ?? false;
      const brokers = await ctx.admin.createTopic(topic, {
        readQueueNums,
        writeQueueNums,
        perm,
        order,
        ...(o.has('b') ? { brokerAddress: o.need('b') } : { clusterName: o.need('c') }),
      });
      if (!(await waitForRoute(ctx, topic, brokers)))
        ctx.warn(
          `the name servers do not route ${topic} to every broker yet; they will within 30 s`,
        );
      ctx.print({ topic, readQueueNums, writeQueueNums, perm, order, brokers }, () =>
        brokers.map((address) => `create topic ${topic} on ${address} success.\n`).join(''),
      );
    },
  },
  {
    name: 'deleteTopic',
    summary: "Delete a topic from a cluster's masters and from the name servers.",
    options: [
      TOPIC,
      {
        letter: 'c',
        name: 'clusterName',
        kind: 'string',
        description: 'cluster name',
        required: true,
      },
    ],
    async run(ctx) {
      const topic = ctx.options.need('t');
      const clusterName = ctx.options.need('c');
      await ctx.admin.deleteTopic(topic, clusterName);
      ctx.print(
        { topic, clusterName, deleted: true },
        () => `delete topic ${topic} from cluster ${clusterName} success.\n`,
      );
    },
  },
  {
    name: 'topicList',
    summary: 'List the topics the name servers know (-c: with their clusters).',
    options: [
      {
        letter: 'c',
        name: 'clusterModel',
        kind: 'bool',
        description: 'show the cluster of each topic',
      },
    ],
    async run(ctx) {
      const topics = await ctx.admin.topicList();
      if (!ctx.options.bool('c')) {
        ctx.print({ topics }, () => topics.map((topic) => `${topic}\n`).join(''));
        return;
      }
      const rows: Array<{ cluster: string; topic: string }> = [];
      const progress = ctx.progress('routes');
      for (const [index, topic] of topics.entries()) {
        progress.update(index + 1, topics.length);
        const route = await ctx.admin.topicRoute(topic).catch(() => undefined);
        const clusters = new Set(route?.brokerDatas.map((broker) => broker.cluster) ?? ['']);
        for (const cluster of clusters) rows.push({ cluster, topic });
      }
      progress.done();
      ctx.print({ topics: rows }, () =>
        formatTable(
          ['#Cluster Name', '#Topic'],
          rows.map((row) => [row.cluster, row.topic]),
        ),
      );
    },
  },
  {
    name: 'topicRoute',
    summary: "Show a topic's route: its brokers and queues.",
    options: [TOPIC],
    async run(ctx) {
      const route = await ctx.admin.topicRoute(ctx.options.need('t'));
      ctx.print(route, () => {
        const brokers = route.brokerDatas.flatMap((broker) =>
          Object.entries(broker.brokerAddrs).map(([id, address]) => [
            broker.cluster,
            broker.brokerName,
            Number(id),
            address,
          ]),
        );
        const queues = route.queueDatas.map((data) => [
          data.brokerName,
          data.readQueueNums,
          data.writeQueueNums,
          data.perm,
          permText(data.perm),
        ]);
        return (
          formatTable(['#Cluster', '#Broker Name', '#BID', '#Addr'], brokers) +
          '\n' +
          formatTable(['#Broker Name', '#Read Queues', '#Write Queues', '#Perm', '#RW'], queues)
        );
      });
    },
  },
  {
    name: 'topicStatus',
    summary: 'Show min and max offsets and the last update of every queue of a topic.',
    options: [TOPIC],
    async run(ctx) {
      const stats = await ctx.admin.topicStats(ctx.options.need('t'));
      ctx.print({ queues: stats }, () =>
        formatTable(
          ['#Broker Name', '#QID', '#Min Offset', '#Max Offset', '#Last Updated'],
          stats.map((queue) => [
            queue.brokerName,
            queue.queueId,
            queue.minOffset,
            queue.maxOffset,
            formatTime(queue.lastUpdateTimestamp),
          ]),
        ),
      );
    },
  },
];
