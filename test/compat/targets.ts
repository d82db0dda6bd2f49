/**
 * The brokers a compatibility suite runs its scenarios against, each a real name server and a
 * real broker on loopback: ThrustMQ (`dist/bin/thrustmq.js`) and Apache RocketMQ 5.5.0 from
 * Maven Central's jars (test/compat/apache, built by vitest's global setup). Both get the same
 * broker properties, so a scenario that passes on Apache RocketMQ and fails on ThrustMQ is our
 * bug, and one that fails on both is a wrong test.
 *
 * THRUSTMQ_COMPAT_TARGETS=thrustmq (or apache) narrows a run to one of them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProperties } from '../../src/common/properties.ts';
import { BROKER_READY, startBrokerProcess } from '../harness/broker-process.ts';
import { APACHE_BROKER_PROJECT, mavenClasspath } from '../harness/build-compat.ts';
import { freePort, freePortRun } from '../harness/free-port.ts';
import { spawnTracked, startNameServerProcess } from '../harness/processes.ts';
import type { ThrustmqProcess } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import { adminClient } from '../harness/broker-admin.ts';
import { waitFor } from '../harness/wait-for.ts';
import { createRequest, RequestCode, ResponseCode } from '../../src/remoting/index.ts';

export type BrokerKind = 'thrustmq' | 'apache';

export interface BrokerTarget {
  kind: BrokerKind;
  /** "127.0.0.1:port" of the name server. */
  namesrvAddr: string;
  /** "127.0.0.1:port" of the broker, as routes advertise it. */
  brokerAddr: string;
  clusterName: string;
  brokerName: string;
  /** The broker's process, for its pid and output. */
  broker(): ThrustmqProcess;
  /** Stops the broker (SIGTERM, or the signal given) and starts it again on the same store. */
  restartBroker(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Broker properties, on top of the shared defaults below; both brokers get the same. */
  properties?: Record<string, string>;
}

export const CLUSTER_NAME = 'DefaultCluster';
export const BROKER_NAME = 'broker-a';

/** What every compat broker runs with, on either implementation. */
const SHARED_PROPERTIES: Record<string, string> = {
  brokerClusterName: CLUSTER_NAME,
  brokerName: BROKER_NAME,
  brokerId: '0',
  brokerIP1: '127.0.0.1',
  autoCreateTopicEnable: 'true',
  autoCreateSubscriptionGroup: 'true',
  enablePropertyFilter: 'true',
  mappedFileSizeCommitLog: String(64 * 1024 * 1024),
};

/** The targets this run covers: both, unless THRUSTMQ_COMPAT_TARGETS names fewer. */
export function compatTargets(): BrokerKind[] {
  const wanted = (process.env['THRUSTMQ_COMPAT_TARGETS'] ?? 'thrustmq,apache')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of wanted) {
    if (name !== 'thrustmq' && name !== 'apache')
      throw new Error(`THRUSTMQ_COMPAT_TARGETS: unknown broker ${name} (thrustmq, apache)`);
  }
  return wanted as BrokerKind[];
}

export function startTarget(kind: BrokerKind, options: TargetOptions = {}): Promise<BrokerTarget> {
  return kind === 'thrustmq' ? startThrustmqTarget(options) : startApacheTarget(options);
}

async function startThrustmqTarget(options: TargetOptions): Promise<BrokerTarget> {
  const namesrv = await startNameServerProcess();
  const properties = { ...SHARED_PROPERTIES, ...options.properties };
  let broker = await startBrokerProcess({ namesrvAddr: namesrv.address, properties });
  const { dataDir, port } = broker;
  return {
    kind: 'thrustmq',
    namesrvAddr: namesrv.address,
    brokerAddr: broker.address,
    clusterName: properties['brokerClusterName']!,
    brokerName: properties['brokerName']!,
    broker: () => broker,
    async restartBroker(signal: NodeJS.Signals = 'SIGTERM') {
      await broker.stop(signal);
      broker = await startBrokerProcess({
        namesrvAddr: namesrv.address,
        dataDir,
        port,
        properties,
      });
    },
    async stop() {
      await broker.stop();
      await namesrv.stop();
    },
  };
}

/** Apache's JVMs: small heaps, logs and ~/store kept in the target's temp directory. */
function javaArgs(home: string, heapMb: number, mainClass: string, conf: string): string[] {
  return [
    `-Xms${heapMb}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    `-Duser.home=${home}`,
    // Apache stops accepting writes when the disk is 90% used; CI disks may be that full.
    '-Drocketmq.broker.diskSpaceWarningLevelRatio=0.99',
    '-cp',
    mavenClasspath(APACHE_BROKER_PROJECT),
    mainClass,
    '-c',
    conf,
  ];
}

const APACHE_NAMESRV_READY = /The Name Server boot success/;
const APACHE_READY_TIMEOUT_MS = 90_000;

async function startApacheTarget(options: TargetOptions): Promise<BrokerTarget> {
  const home = makeTempDir('apache-rocketmq');
  const env = { ROCKETMQ_HOME: home.path };
  const namesrvPort = await freePort();
  const namesrvConf = join(home.path, 'namesrv.conf');
  writeFileSync(namesrvConf, formatProperties([['listenPort', String(namesrvPort)]]));
  const namesrv = await spawnTracked(
    'java',
    javaArgs(home.path, 128, 'org.apache.rocketmq.namesrv.NamesrvStartup', namesrvConf),
    { ready: APACHE_NAMESRV_READY, env, timeoutMs: APACHE_READY_TIMEOUT_MS },
    'Apache RocketMQ name server',
  );
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;
  // listenPort - 2 is the broker's VIP channel and listenPort + 1 its HA port.
  const port = (await freePortRun(4)) + 2;
  const store = join(home.path, 'store');
  mkdirSync(store, { recursive: true });
  const properties: Record<string, string> = {
    ...SHARED_PROPERTIES,
    listenPort: String(port),
    namesrvAddr,
    storePathRootDir: store,
    storePathCommitLog: join(store, 'commitlog'),
    diskMaxUsedSpaceRatio: '95',
    ...options.properties,
  };
  const brokerConf = join(home.path, 'broker.conf');
  writeFileSync(brokerConf, formatProperties(Object.entries(properties)));
  const startBroker = () =>
    spawnTracked(
      'java',
      javaArgs(home.path, 512, 'org.apache.rocketmq.broker.BrokerStartup', brokerConf),
      { ready: BROKER_READY, env, timeoutMs: APACHE_READY_TIMEOUT_MS },
      'Apache RocketMQ broker',
    );
  let broker = await startBroker();
  await routedByNameServer(namesrvAddr);
  return {
    kind: 'apache',
    namesrvAddr,
    brokerAddr: `127.0.0.1:${port}`,
    clusterName: properties.brokerClusterName!,
    brokerName: properties.brokerName!,
    broker: () => broker,
    async restartBroker(signal: NodeJS.Signals = 'SIGTERM') {
      await broker.stop(signal);
      broker = await startBroker();
      await routedByNameServer(namesrvAddr);
    },
    async stop() {
      await broker.stop();
      await namesrv.stop();
      home.remove();
    },
  };
}

const APACHE_ROUTE_TIMEOUT_MS = 60_000;

/**
 * Apache's broker says it booted before its first registration is sure to have landed (on a
 * loaded machine that one can time out, and the next comes up to 40 s later): until the name
 * server routes TBW102, a producer's first send to a new topic finds no route.
 */
async function routedByNameServer(namesrvAddr: string): Promise<void> {
  const client = adminClient();
  let last = 'no answer';
  try {
    await waitFor(
      async () => {
        const route = await client
          .invoke(
            namesrvAddr,
            createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TBW102' }),
            3000,
          )
          .catch((error: unknown) => ({ code: -1, remark: String(error) }));
        last = `${route.code} ${route.remark ?? ''}`;
        return route.code === ResponseCode.SUCCESS;
      },
      APACHE_ROUTE_TIMEOUT_MS,
      () => `Apache's name server has no route for TBW102 (last answer ${last})`,
    );
  } finally {
    await client.close();
  }
}
