/**
 * A real 2m-2s cluster from the repo's sample files (conf/2m-2s-sync or conf/2m-2s-async): two
 * name servers and four brokers as child processes. Only what one machine and a test need is
 * overridden: ports (free ones), data directories (temporary), the name servers, the slaves'
 * haMasterAddress, and small segments and timers.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { Admin } from '../../src/client/admin/admin.ts';
import { readPropertiesFile } from '../../src/common/properties.ts';
import { brokerDataDir, startBrokerProcess } from './broker-process.ts';
import type { BrokerProcess } from './broker-process.ts';
import { freePortRun } from './free-port.ts';
import { startNameServerProcess } from './processes.ts';
import type { NameServerProcess } from './processes.ts';
import { waitFor } from './wait-for.ts';

export type HaLayout = '2m-2s-sync' | '2m-2s-async';
export const HA_BROKERS = ['broker-a', 'broker-a-s', 'broker-b', 'broker-b-s'] as const;
export type HaBrokerName = (typeof HA_BROKERS)[number];

export interface HaCluster {
  namesrvAddr: string;
  admin: Admin;
  brokers: Map<HaBrokerName, BrokerProcess>;
  /** Until every slave link of every live master is in sync. */
  waitInSync(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startHaCluster(
  layout: HaLayout,
  overrides: Record<string, string> = {},
): Promise<HaCluster> {
  const nameServers: NameServerProcess[] = [
    await startNameServerProcess(),
    await startNameServerProcess(),
  ];
  const namesrvAddr = nameServers.map((n) => n.address).join(';');
  const brokers = new Map<HaBrokerName, BrokerProcess>();
  const dirs: Array<{ remove: () => void }> = [];
  const ports = new Map<string, number>();
  for (const name of HA_BROKERS) ports.set(name, (await freePortRun(4)) + 2);
  for (const name of HA_BROKERS) {
    const sample = readPropertiesFile(join('conf', layout, `${name}.properties`));
    const dir = brokerDataDir();
    dirs.push(dir);
    const master = name.replace(/-s$/, '');
    const properties: Record<string, string> = {
      ...Object.fromEntries(sample),
      namesrvAddr,
      mappedFileSizeCommitLog: String(8 * 1024 * 1024),
      maxMessageSize: '65536',
      haSendHeartbeatInterval: '500',
      haMetadataSyncInterval: '500',
      ...overrides,
    };
    delete properties['storePathRootDir'];
    properties['listenPort'] = String(ports.get(name)!);
    if (name !== master) properties['haMasterAddress'] = `127.0.0.1:${ports.get(master)! + 1}`;
    brokers.set(
      name,
      await startBrokerProcess({
        namesrvAddr,
        dataDir: dir.path,
        port: ports.get(name)!,
        properties,
      }),
    );
  }
  const admin = new Admin({ namesrvAddr, logger: pino({ level: 'silent' }) });
  const cluster: HaCluster = {
    namesrvAddr,
    admin,
    brokers,
    async waitInSync(timeoutMs = 20_000) {
      const shards = Number(overrides['storeShards'] ?? 1);
      await waitFor(
        async () => {
          for (const name of ['broker-a', 'broker-b'] as const) {
            const status = await admin.haStatus(brokers.get(name)!.address).catch(() => undefined);
            if (!status || status.haConnectionInfo.filter((l) => l.inSync).length < shards)
              return false;
          }
          return true;
        },
        timeoutMs,
        () => 'every slave in sync',
      );
    },
    async stop() {
      await admin.close();
      await Promise.allSettled([...brokers.values()].map((broker) => broker.stop()));
      await Promise.allSettled(nameServers.map((n) => n.stop()));
      for (const dir of dirs) dir.remove();
    },
  };
  return cluster;
}
