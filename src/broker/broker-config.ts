/**
 * The broker's configuration: RocketMQ's broker.properties keys with RocketMQ's defaults, plus
 * ThrustMQ's thread settings (`actorThreads`, `storeShards`).
 */
import { availableParallelism, homedir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { ConfigOf, ConfigTable, Relation, Schema } from '../common/config-schema.ts';
import { inGroup, INVALID_VALUE_MESSAGES, loadConfig } from '../common/config-schema.ts';
import {
  deleteWhenRefusal,
  DELETE_WHEN_ALLOWED,
  ipAddressRefusal,
  IP_ALLOWED,
  nameServersRefusal,
  SEGMENT_HEADROOM_BYTES,
} from './broker-key-checks.ts';
import { DELIVERY_CONFIG_SCHEMA } from './delivery-config.ts';
import { DISK_CONFIG_SCHEMA } from './disk-config.ts';
import { REPLICATION_CONFIG_SCHEMA } from './replication-config.ts';
import {
  SERVER_LIMITS_CONFIG_SCHEMA,
  SERVER_LIMITS_RELATIONS,
} from '../remoting/server-limits-config.ts';

export { parseDelayLevels } from './delivery-config.ts';

const NAME = /^[%|a-zA-Z0-9_-]{1,127}$/;
const NAMES_ALLOWED = '1-127 characters of letters, digits, %, |, _ and -';

export const BROKER_CONFIG_SCHEMA = {
  ...inGroup('Identity and network', {
    brokerClusterName: {
      type: 'string',
      default: 'DefaultCluster',
      doc: 'Cluster this broker registers under.',
      pattern: NAME,
      allowed: NAMES_ALLOWED,
    },
    brokerName: {
      type: 'string',
      default: 'broker-a',
      doc: 'Name shared by a master and its slaves.',
      pattern: NAME,
      allowed: NAMES_ALLOWED,
    },
    brokerId: {
      type: 'int',
      default: 0,
      min: 0,
      max: 1024,
      doc: '0 for a master, 1 and above for slaves.',
    },
    brokerRole: {
      type: 'enum',
      default: 'ASYNC_MASTER',
      values: ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'],
      doc: 'Replication role.',
    },
    namesrvAddr: {
      type: 'string',
      default: '',
      doc: 'Name servers, host:port separated by ";" (also -n).',
      env: 'NAMESRV_ADDR',
      allowed: 'empty or host:port entries separated by ;',
      check: nameServersRefusal,
    },
    listenPort: {
      type: 'int',
      default: 10911,
      min: 0,
      max: 65535,
      doc: 'Client port; listenPort - 2 serves older clients (0 picks free ports).',
    },
    listenHost: { type: 'string', default: '0.0.0.0', doc: 'Interface the ports bind to.' },
    metricsPort: {
      type: 'int',
      default: 0,
      min: -1,
      max: 65535,
      doc: 'Prometheus GET /metrics port; 0: listenPort - 1 (a free port when listenPort is 0), -1: off.',
    },
    metricsHost: {
      type: 'string',
      default: '',
      doc: 'Interface the metrics port binds to (default: listenHost).',
    },
    brokerIP1: {
      type: 'string',
      default: '',
      doc: 'Address advertised in routes and message ids (default: first non-internal IPv4).',
      allowed: IP_ALLOWED,
      check: ipAddressRefusal,
    },
    brokerIP2: {
      type: 'string',
      default: '',
      doc: 'Replication address (default brokerIP1).',
      allowed: IP_ALLOWED,
      check: ipAddressRefusal,
    },
    haListenPort: {
      type: 'int',
      default: 0,
      min: 0,
      max: 65535,
      doc: "A master's replication port; 0 means listenPort + 1.",
    },
    haMasterAddress: {
      type: 'string',
      default: '',
      doc: "A slave's master host:haListenPort; empty learns it from the name server.",
      pattern: /^$|^[^\s:;]+:\d{1,5}$/,
      allowed: 'empty or host:port',
    },
    registerNameServerPeriod: {
      type: 'int',
      default: 30_000,
      min: 1000,
      max: 60_000,
      doc: 'Registration with every name server, ms.',
    },
    brokerPermission: {
      type: 'int',
      default: 6,
      min: 0,
      max: 7,
      doc: 'Broker permission bits: 4 read, 2 write.',
    },
    regionId: {
      type: 'string',
      default: 'DefaultRegion',
      doc: 'Region reported in send responses and stored on each message (MSG_REGION).',
    },
    traceOn: {
      type: 'bool',
      default: true,
      doc: 'Trace switch reported in send responses and stored on each message (TRACE_ON).',
    },
  }),
  ...inGroup('Store', {
    storePathRootDir: {
      type: 'string',
      default: join(homedir(), 'store'),
      shownDefault: '$THRUSTMQ_HOME/store, else ~/store',
      doc: 'Data directory: store shards, config, logs.',
    },
    storeShards: {
      type: 'int',
      default: 4,
      min: 1,
      max: 256,
      doc: 'Store shards, fixed when the data directory is created.',
    },
    flushDiskType: {
      type: 'enum',
      default: 'ASYNC_FLUSH',
      values: ['ASYNC_FLUSH', 'SYNC_FLUSH'],
      doc: 'SYNC_FLUSH acknowledges a send only after fdatasync.',
    },
    syncFlushTimeout: {
      type: 'int',
      default: 5000,
      min: 10,
      max: 600_000,
      doc: 'SYNC_FLUSH: answer FLUSH_DISK_TIMEOUT after this many ms.',
    },
    flushIntervalCommitLog: {
      type: 'int',
      default: 500,
      min: 1,
      max: 60_000,
      doc: 'ASYNC_FLUSH period in ms.',
    },
    flushIntervalConsumeQueue: {
      type: 'int',
      default: 1000,
      min: 1,
      max: 60_000,
      doc: 'Consume queue and checkpoint flush period in ms.',
    },
    flushConsumerOffsetInterval: {
      type: 'int',
      default: 5000,
      min: 100,
      max: 600_000,
      doc: 'Consumer offsets are written to disk this often (ms).',
    },
    mappedFileSizeCommitLog: {
      type: 'int',
      default: 1 << 30,
      min: 1 << 20,
      max: 2 ** 40,
      doc: 'Commit-log segment size in bytes.',
    },
    mapedFileSizeConsumeQueue: {
      type: 'int',
      default: 300_000 * 20,
      min: 20 * 100,
      max: 20 * 10_000_000,
      doc: 'Consume-queue file size in bytes (20 per entry).',
    },
    maxMessageSize: {
      type: 'int',
      default: 4 * 1024 * 1024,
      min: 1024,
      max: 64 * 1024 * 1024,
      doc: 'Largest message body (and batch) in bytes.',
    },
    checkCRCOnRecover: {
      type: 'bool',
      default: true,
      doc: 'Check body CRCs when recovering after a crash.',
    },
    messageIndexEnable: {
      type: 'bool',
      default: true,
      doc: 'Index keys and unique ids for lookups.',
    },
    maxHashSlotNum: {
      type: 'int',
      default: 5_000_000,
      min: 100,
      max: 50_000_000,
      doc: 'Index hash slots per index file.',
    },
    maxIndexNum: {
      type: 'int',
      default: 20_000_000,
      min: 100,
      max: 200_000_000,
      doc: 'Index entries per index file.',
    },
  }),
  ...inGroup('Retention', {
    deleteWhen: {
      type: 'string',
      default: '04',
      doc: 'Hours of the day expired segments are deleted, e.g. 04 or 04;16.',
      allowed: DELETE_WHEN_ALLOWED,
      check: deleteWhenRefusal,
    },
    fileReservedTime: {
      type: 'int',
      default: 72,
      min: 1,
      max: 24 * 3650,
      doc: 'Hours a commit-log segment is kept.',
    },
    diskMaxUsedSpaceRatio: {
      type: 'int',
      default: 75,
      min: 10,
      max: 95,
      doc: 'Disk use (%) above which old segments go early.',
    },
  }),
  ...inGroup('Topics, groups and consumers', {
    autoCreateTopicEnable: {
      type: 'bool',
      default: true,
      doc: 'Create unknown topics on send from the TBW102 template.',
    },
    autoCreateSubscriptionGroup: {
      type: 'bool',
      default: true,
      doc: 'Create unknown consumer groups on first use.',
    },
    defaultTopicQueueNums: {
      type: 'int',
      default: 8,
      min: 1,
      max: 1024,
      doc: 'Queues of TBW102 and auto-created topics.',
    },
    traceTopicEnable: {
      type: 'bool',
      default: false,
      doc: 'Create the message-trace topic (msgTraceTopicName) at startup.',
    },
    msgTraceTopicName: {
      type: 'string',
      default: 'RMQ_SYS_TRACE_TOPIC',
      doc: 'Topic clients with message trace on write their trace records to.',
      pattern: NAME,
      allowed: NAMES_ALLOWED,
    },
    storeReplyMessageEnable: {
      type: 'bool',
      default: true,
      doc: 'Store replies (request-reply) in the cluster reply topic as well as pushing them.',
    },
    longPollingEnable: {
      type: 'bool',
      default: true,
      doc: 'Hold pulls that find nothing until a message arrives.',
    },
    shortPollingTimeMills: {
      type: 'int',
      default: 1000,
      min: 0,
      max: 60_000,
      doc: 'Hold time when long polling is off.',
    },
    maxTransferBytesOnMessageInMemory: {
      type: 'int',
      default: 256 * 1024,
      min: 1024,
      max: 4 * 1024 * 1024,
      doc: 'Most bytes one pull returns.',
    },
    maxTransferCountOnMessageInMemory: {
      type: 'int',
      default: 32,
      min: 1,
      max: 1024,
      doc: 'Most messages one pull returns.',
    },
    clientChannelMaxIdleTimeSeconds: {
      type: 'int',
      default: 120,
      min: 1,
      max: 3600,
      doc: 'Connections and client registrations silent this long are dropped.',
    },
    rebalanceLockMaxLiveTime: {
      type: 'int',
      default: 60_000,
      min: 100,
      max: 3_600_000,
      doc: "Milliseconds an orderly consumer's queue lock lives without renewal.",
    },
  }),
  ...inGroup('Threads and admission', {
    actorThreads: {
      type: 'int',
      default: 0,
      min: 0,
      max: 64,
      doc: 'Queue actor threads; 0 means one less than the cores, at least 1.',
    },
    maxHeldPulls: {
      type: 'int',
      default: 100_000,
      min: 0,
      max: 10_000_000,
      doc: 'Long-polling pulls held at once; beyond it pulls answer at once.',
    },
    maxInflightSends: {
      type: 'int',
      default: 200_000,
      min: 1000,
      max: 10_000_000,
      doc: 'Requests waiting for ring space, per actor; beyond it requests get SYSTEM_BUSY.',
    },
    actorAdmissionUnits: {
      type: 'int',
      default: 1024,
      min: 64,
      max: 1_000_000,
      doc: "Work written into a queue actor's ring and not yet read by it (a small message is 1 unit, a pull 1 + maxTransferBytesOnMessageInMemory / 8 KiB), past which requests wait at the coordinator and are admitted one per connection in turn, so one connection's burst cannot hold up another's request.",
    },
  }),
  ...inGroup('Delivery', DELIVERY_CONFIG_SCHEMA),
  ...inGroup('Full disk', DISK_CONFIG_SCHEMA),
  ...inGroup('Replication', REPLICATION_CONFIG_SCHEMA),
  ...inGroup('Connections and floods', SERVER_LIMITS_CONFIG_SCHEMA),
} as const satisfies Schema;

export type BrokerConfig = ConfigOf<typeof BROKER_CONFIG_SCHEMA>;

/** RocketMQ keys that are accepted without a warning though ThrustMQ does not use them. */
export const ACCEPTED_UNUSED_BROKER_KEYS: readonly string[] = [
  'storePathCommitLog',
  'storePathConsumeQueue',
  'storePathIndex',
  'storeCheckpoint',
  'abortFile',
  'rocketmqHome',
  'brokerConfigPath',
  'transientStorePoolEnable',
  'sendMessageThreadPoolNums',
  'pullMessageThreadPoolNums',
  'useReentrantLockWhenPutMessage',
  'waitTimeMillsInSendQueue',
  'aclEnable',
];

/** Relations between broker keys, checked once every key has its value (README lists them). */
const BROKER_RELATIONS: readonly Relation[] = [
  {
    // As RocketMQ: a master is brokerId 0, a slave 1 and above.
    keys: ['brokerId', 'brokerRole'],
    doc: '`brokerId` is 0 with `brokerRole` `ASYNC_MASTER` or `SYNC_MASTER`, 1 and above with `SLAVE`',
    check: ({ brokerId, brokerRole }) => {
      const slave = brokerRole === 'SLAVE';
      if (slave === (brokerId as number) > 0) return;
      const allowed = slave
        ? '1 to 1024 with brokerRole=SLAVE'
        : `0 with brokerRole=${String(brokerRole)}`;
      return { key: 'brokerId', allowed };
    },
  },
  {
    // Both ports are bound at start: the same number twice fails there, far from the key.
    keys: ['metricsPort', 'listenPort'],
    doc: '`metricsPort` differs from `listenPort` and `listenPort` - 2 (the ports the broker binds)',
    check: ({ metricsPort, listenPort }) => {
      const [metrics, listen] = [metricsPort as number, listenPort as number];
      if (metrics <= 0 || listen === 0 || (metrics !== listen && metrics !== listen - 2)) return;
      const allowed = `a port other than listenPort=${listen} and listenPort - 2=${listen - 2}`;
      return { key: 'metricsPort', allowed };
    },
  },
  {
    key: 'mappedFileSizeCommitLog',
    atLeast: 'maxMessageSize',
    plus: SEGMENT_HEADROOM_BYTES,
    why: 'a segment must hold the largest record',
  },
  ...SERVER_LIMITS_RELATIONS,
];

export const BROKER_CONFIG_TABLE: ConfigTable<typeof BROKER_CONFIG_SCHEMA> = {
  component: 'broker',
  keys: BROKER_CONFIG_SCHEMA,
  acceptedWithoutEffect: ACCEPTED_UNUSED_BROKER_KEYS,
  relations: BROKER_RELATIONS,
  messages: INVALID_VALUE_MESSAGES,
};

export function loadBrokerConfig(sources: Iterable<[string, string]>): {
  config: BrokerConfig;
  warnings: string[];
} {
  return loadConfig(BROKER_CONFIG_TABLE, sources);
}

export function effectiveActorThreads(config: BrokerConfig): number {
  return config.actorThreads > 0 ? config.actorThreads : Math.max(1, availableParallelism() - 1);
}

export function advertisedAddress(config: BrokerConfig): string {
  if (config.brokerIP1) return config.brokerIP1;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

export function nameServerList(value: string): string[] {
  return value
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}
