/**
 * Cluster and broker subcommands: clusterList, brokerStatus, getBrokerConfig and
 * updateBrokerConfig. -b is one broker's address; -c every broker (masters and slaves) of a
 * cluster, as mqadmin does.
 */
import type { BrokerEntry } from '../../client/admin/admin-broker.ts';
import { NoRouteError } from '../../client/core/errors.ts';
import { formatKeyValues, formatTable } from '../table.ts';
import type { AdminContext, AdminSubcommand } from './context.ts';
import { formatTime } from './message-format.ts';
import { BROKER_ADDR_OPTION, clusterOption } from './options.ts';

const BROKER_ADDR = BROKER_ADDR_OPTION;
const CLUSTER = clusterOption('broker');

/** The brokers -b or -c names; -b is taken as given (it may not be registered). */
async function targets(ctx: AdminContext): Promise<BrokerEntry[]> {
  const address = ctx.options.string('b');
  if (address !== undefined) {
    const known = await ctx.admin.brokers().catch(() => []);
    return [
      known.find((entry) => entry.address === address) ?? {
        clusterName: '',
        brokerName: '',
        brokerId: 0,
        address,
      },
    ];
  }
  return ctx.admin.brokers(ctx.options.need('c'));
}

function brokerTitle(entry: BrokerEntry): string {
  return entry.brokerName
    ? `${entry.address} (${entry.brokerName}, id ${entry.brokerId})`
    : entry.address;
}

export const clusterCommands: AdminSubcommand[] = [
  {
    name: 'clusterList',
    summary: 'List the brokers of every cluster with their version and message counts.',
    options: [
      { letter: 'c', name: 'clusterName', kind: 'string', description: 'only this cluster' },
      { letter: 'm', name: 'moreStats', kind: 'bool', description: 'more columns' },
    ],
    async run(ctx) {
      // An empty name server lists no brokers, as mqadmin prints just the header.
      const brokers = await ctx.admin.brokers(ctx.options.string('c')).catch((error: unknown) => {
        if (error instanceof NoRouteError) return [];
        throw error;
      });
      const rows: Array<BrokerEntry & { status: Record<string, string>; error?: string }> = [];
      for (const broker of brokers) {
        try {
          rows.push({ ...broker, status: await ctx.admin.brokerStatus(broker.address) });
        } catch (error) {
          rows.push({ ...broker, status: {}, error: (error as Error).message });
        }
      }
      const more = ctx.options.bool('m') ?? false;
      const headers = [
        '#Cluster Name',
        '#Broker Name',
        '#BID',
        '#Addr',
        '#Version',
        '#PutTotal',
        '#GetTotal',
      ];
      if (more) headers.push('#Boot Time', '#Actors', '#Shards', '#Runtime');
      ctx.print({ brokers: rows }, () =>
        formatTable(
          headers,
          rows.map((row) => {
            const s = row.status;
            const number = (key: string) => (s[key] === undefined ? '-' : Number(s[key]));
            const cells = [
              row.clusterName,
              row.brokerName,
              row.brokerId,
              row.address,
              s['brokerVersionDesc'] ?? (row.error === undefined ? '-' : 'unreachable'),
              number('msgPutTotalTodayNow'),
              number('msgGetTotalTodayNow'),
            ];
            if (more)
              cells.push(
                formatTime(Number(s['bootTimestamp'])),
                number('actorThreads'),
                number('storeShards'),
                s['runtime'] ?? '-',
              );
            return cells;
          }),
        ),
      );
    },
  },
  {
    name: 'brokerStatus',
    summary: "Show a broker's runtime statistics (-b), or those of every broker of a cluster (-c).",
    options: [BROKER_ADDR, CLUSTER],
    oneOf: [['b', 'c']],
    async run(ctx) {
      const result: Array<BrokerEntry & { status: Record<string, string> }> = [];
      for (const broker of await targets(ctx))
        result.push({ ...broker, status: await ctx.admin.brokerStatus(broker.address) });
      ctx.print({ brokers: result }, () =>
        result
          .map(
            (entry) =>
              (result.length > 1 ? `${brokerTitle(entry)}\n` : '') +
              formatKeyValues(
                Object.entries(entry.status).map(([key, value]) => [`${key}:`, value]),
              ),
          )
          .join('\n'),
      );
    },
  },
  {
    name: 'getBrokerConfig',
    summary: "Show a broker's configuration (-b), or that of every broker of a cluster (-c).",
    options: [BROKER_ADDR, CLUSTER],
    oneOf: [['b', 'c']],
    async run(ctx) {
      const result: Array<BrokerEntry & { config: Record<string, string> }> = [];
      for (const broker of await targets(ctx))
        result.push({ ...broker, config: await ctx.admin.getBrokerConfig(broker.address) });
      ctx.print({ brokers: result }, () =>
        result
          .map(
            (entry) =>
              `============ ${brokerTitle(entry)} ============\n` +
              formatKeyValues(
                Object.entries(entry.config).map(([key, value]) => [key, `= ${value}`]),
              ),
          )
          .join('\n'),
      );
    },
  },
  {
    name: 'updateBrokerConfig',
    summary:
      'Change a run-time config key on a broker (-b) or every broker of a cluster (-c), in memory.',
    options: [
      BROKER_ADDR,
      CLUSTER,
      { letter: 'k', name: 'key', kind: 'string', description: 'config key', required: true },
      { letter: 'v', name: 'value', kind: 'string', description: 'new value', required: true },
    ],
    oneOf: [['b', 'c']],
    async run(ctx) {
      const key = ctx.options.need('k');
      const value = ctx.options.string('v') ?? '';
      const updated: string[] = [];
      for (const broker of await targets(ctx)) {
        await ctx.admin.updateBrokerConfig(broker.address, { [key]: value });
        updated.push(broker.address);
      }
      ctx.print({ key, value, brokers: updated }, () =>
        updated
          .map((address) => `update broker config success, ${address}: ${key}=${value}\n`)
          .join(''),
      );
    },
  },
];
