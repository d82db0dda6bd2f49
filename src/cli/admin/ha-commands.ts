/**
 * Replication subcommands: haStatus (mqadmin's name), for one broker (-b) or every broker of a
 * cluster (-c): a master's slave links per shard with their lag, a slave's link to its master.
 */
import type { BrokerEntry } from '../../client/admin/admin-broker.ts';
import { formatTable } from '../table.ts';
import type { AdminContext, AdminSubcommand } from './context.ts';
import { BROKER_ADDR_OPTION, clusterOption } from './options.ts';

async function targets(ctx: AdminContext): Promise<BrokerEntry[]> {
  const address = ctx.options.string('b');
  if (address !== undefined) return [{ clusterName: '', brokerName: '', brokerId: 0, address }];
  return ctx.admin.brokers(ctx.options.need('c'));
}

export const haCommands: AdminSubcommand[] = [
  {
    name: 'haStatus',
    summary: "Replication state: each slave's acknowledged offset, lag and in-sync state.",
    options: [BROKER_ADDR_OPTION, clusterOption('broker')],
    async run(ctx) {
      const rows: string[][] = [];
      const statuses = [];
      for (const broker of await targets(ctx)) {
        const status = await ctx.admin.haStatus(broker.address);
        statuses.push({ address: broker.address, ...status });
        if (status.master) {
          for (const link of status.haConnectionInfo)
            rows.push([
              broker.address,
              'master',
              link.addr,
              String(link.shard ?? '-'),
              String(link.slaveAckOffset),
              `${link.diff} B`,
              link.lagMessages === undefined ? '-' : `${link.lagMessages} msgs`,
              link.inSync ? 'yes' : 'no',
              `${link.transferredByteInSecond} B/s`,
            ]);
          if (status.haConnectionInfo.length === 0)
            rows.push([broker.address, 'master', '(no slave)', '-', '-', '-', '-', 'no', '-']);
        } else {
          const client = status.haClientRuntimeInfo;
          rows.push([
            broker.address,
            'slave',
            client.masterAddr || '(no master)',
            'all',
            String(client.maxOffset),
            '-',
            '-',
            client.isActivated ? 'connected' : 'not connected',
            `${client.transferredByteInSecond} B/s`,
          ]);
        }
      }
      ctx.print({ brokers: statuses }, () =>
        formatTable(
          [
            '#Broker',
            '#Role',
            '#Peer',
            '#Shard',
            '#AckOffset',
            '#Lag',
            '#LagMsgs',
            '#InSync',
            '#Rate',
          ],
          rows,
        ),
      );
    },
  },
];
