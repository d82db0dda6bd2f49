/**
 * Starts a real `thrustmq broker -c <temp>/broker.properties` on 127.0.0.1 for integration
 * and compatibility tests. The data directory outlives the process (pass it back in to restart
 * the same broker on the same port); remove() deletes it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProperties } from '../../src/common/properties.ts';
import { freePortRun } from './free-port.ts';
import { spawnThrustmq } from './processes.ts';
import type { ThrustmqProcess } from './processes.ts';
import { makeTempDir } from './temp-dir.ts';

export const BROKER_READY = /The broker\[(\S+), (\S+):(\d+)\] boot success/;

export interface BrokerProcess extends ThrustmqProcess {
  /** "127.0.0.1:port" as advertised in routes. */
  address: string;
  port: number;
  dataDir: string;
  properties: Record<string, string>;
}

export interface BrokerProcessOptions {
  namesrvAddr: string;
  /** Reuse a data directory (and its port) from an earlier run of the same broker. */
  dataDir?: string;
  port?: number;
  properties?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

/** A data directory for brokers; call remove() when the test is done with it. */
export function brokerDataDir(): { path: string; remove: () => void } {
  return makeTempDir('broker');
}

export async function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? brokerDataDir().path;
  // listenPort - 2 serves older clients and listenPort + 1 is reserved for HA.
  const port = options.port ?? (await freePortRun(4)) + 2;
  const properties: Record<string, string> = {
    brokerClusterName: 'TestCluster',
    brokerName: 'broker-a',
    listenPort: String(port),
    listenHost: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    namesrvAddr: options.namesrvAddr,
    storePathRootDir: dataDir,
    mappedFileSizeCommitLog: String(64 * 1024 * 1024),
    actorThreads: '1',
    ...options.properties,
  };
  const file = join(dataDir, 'broker.properties');
  writeFileSync(file, formatProperties(Object.entries(properties)));
  const child = await spawnThrustmq(['broker', '-c', file], {
    ready: BROKER_READY,
    env: { LOG_LEVEL: 'warn', ...options.env },
  });
  return Object.assign(child, { address: `127.0.0.1:${port}`, port, dataDir, properties });
}
