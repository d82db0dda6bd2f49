/**
 * Replication keys beyond RocketMQ's identity ones (brokerRole, haListenPort, haMasterAddress):
 * heartbeats and housekeeping of the HA connections, frame size, what counts as in sync, the
 * slave's metadata period and reads from slaves. RocketMQ's names and defaults where it has them.
 */
import type { Schema } from '../common/config-schema.ts';

export const REPLICATION_CONFIG_SCHEMA = {
  haSendHeartbeatInterval: {
    type: 'int',
    default: 5000,
    min: 100,
    max: 60_000,
    doc: 'Replication: a slave reports and a master heartbeats at least this often (ms).',
  },
  haHousekeepingInterval: {
    type: 'int',
    default: 20_000,
    min: 500,
    max: 600_000,
    doc: 'Replication: either side closes a connection silent this long (ms).',
  },
  haTransferBatchSize: {
    type: 'int',
    default: 32_768,
    min: 1024,
    max: 4 * 1024 * 1024,
    doc: 'Replication: commit-log bytes per frame from master to slave.',
  },
  haSlaveFallbehindMax: {
    type: 'int',
    default: 268_435_456,
    min: 0,
    max: 2 ** 40,
    doc: 'SYNC_MASTER: a slave further behind than this many bytes is not in sync.',
  },
  haMetadataSyncInterval: {
    type: 'int',
    default: 10_000,
    min: 100,
    max: 600_000,
    doc: "A slave copies its master's topics, groups and consumer offsets this often (ms).",
  },
  slaveReadEnable: {
    type: 'bool',
    default: false,
    doc: 'Masters send consumers reading far behind (see accessMessageInMemoryMaxRatio) to a slave.',
  },
  accessMessageInMemoryMaxRatio: {
    type: 'int',
    default: 40,
    min: 0,
    max: 100,
    doc: 'With slaveReadEnable: a pull further behind the log end than this % of memory goes to a slave.',
  },
} as const satisfies Schema;
