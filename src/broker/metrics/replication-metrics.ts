/**
 * Replication series, read at scrape time from the broker's replication (ha/replication.ts): a
 * master's lag per slave and shard in bytes and messages and whether that link is in sync; a
 * slave's connection to its master.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Replication } from '../ha/replication.ts';

export function registerReplicationMetrics(
  registry: Registry,
  replication: () => Replication | undefined,
): void {
  const registers = [registry];
  const links = () => replication()?.links() ?? [];
  const perLink = (
    name: string,
    help: string,
    value: (link: ReturnType<typeof links>[number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['slave', 'shard'],
      registers,
      collect() {
        this.reset();
        for (const link of links())
          this.set({ slave: link.slaveAddr, shard: String(link.shard) }, value(link));
      },
    });
  perLink(
    'thrustmq_replication_lag_bytes',
    "Bytes of a shard's commit log a slave has not acknowledged.",
    (l) => l.lagBytes,
  );
  perLink(
    'thrustmq_replication_lag_messages',
    'Messages a slave has not acknowledged, by shard.',
    (l) => l.lagMessages,
  );
  perLink(
    'thrustmq_replication_in_sync',
    '1 while the slave counts for SYNC_MASTER (within haSlaveFallbehindMax).',
    (l) => (l.inSync ? 1 : 0),
  );
  new Gauge({
    name: 'thrustmq_replication_master_connected',
    help: "A slave: 1 while every shard is connected to its master's replication port.",
    registers,
    collect() {
      this.reset();
      const slave = replication()?.slave;
      if (slave) this.set(slave.connected ? 1 : 0);
    },
  });
}
