/**
 * The keys that bound what peers may hold in a remoting server (connections, queued responses,
 * requests in flight, partial frames): one schema spread into the broker's and the name
 * server's configuration tables with the relations between them, and the mapping of those keys
 * to RemotingServer options.
 */
import type { ConfigOf, Relation, Schema } from '../common/config-schema.ts';
import type { RemotingServerLimits } from './server.ts';

const MIB = 1024 * 1024;

export const SERVER_LIMITS_CONFIG_SCHEMA = {
  remotingMaxConnections: {
    type: 'int',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    doc: 'Connections a port accepts at once; past it new connections are closed at accept.',
  },
  remotingMaxConnectionsPerAddress: {
    type: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    doc: 'Connections one peer IP address may hold on a port, so one peer cannot lock others out.',
  },
  remotingMaxQueuedResponseBytes: {
    type: 'int',
    default: 4 * MIB,
    min: 64 * 1024,
    max: 1024 * MIB,
    doc: 'Response bytes queued to a peer past which its socket is no longer read (backpressure).',
  },
  remotingCloseQueuedResponseBytes: {
    type: 'int',
    default: 64 * MIB,
    min: 64 * 1024,
    max: 4096 * MIB,
    doc: 'Response bytes queued to a peer past which it is closed at once (at least remotingMaxQueuedResponseBytes).',
  },
  remotingBackpressureTimeoutMs: {
    type: 'int',
    default: 10_000,
    min: 100,
    max: 3_600_000,
    doc: 'A peer whose queued responses stay over remotingMaxQueuedResponseBytes this long is closed.',
  },
  remotingMaxInflightRequests: {
    type: 'int',
    default: 256,
    min: 1,
    max: 1_000_000,
    doc: 'Requests of one connection received and not yet answered past which it is no longer read.',
  },
  remotingMaxInflightRequestBytes: {
    type: 'int',
    default: 16 * MIB,
    min: 64 * 1024,
    max: 4096 * MIB,
    doc: 'Frame bytes of those requests (a pull also counts maxTransferBytesOnMessageInMemory) past which the connection is no longer read.',
  },
  remotingFrameTimeoutMs: {
    type: 'int',
    default: 30_000,
    min: 100,
    max: 3_600_000,
    doc: 'A frame must arrive whole within this many ms of its first byte, or the connection is closed.',
  },
  remotingMaxPartialFrameBytes: {
    type: 'int',
    default: 256 * MIB,
    min: MIB,
    max: 65_536 * MIB,
    doc: 'Bytes of partly received frames held across all connections of a port; the connection that would pass it is closed.',
  },
  remotingRequestsPerTurn: {
    type: 'int',
    default: 128,
    min: 1,
    max: 1_000_000,
    doc: 'Requests of one connection served per event-loop turn; the rest wait for the next turn (the socket unread meanwhile), so one peer pipelining hundreds of requests cannot hold up the others.',
  },
} as const satisfies Schema;

export type ServerLimitsConfig = ConfigOf<typeof SERVER_LIMITS_CONFIG_SCHEMA>;

export const SERVER_LIMITS_RELATIONS: readonly Relation[] = [
  {
    key: 'remotingMaxConnectionsPerAddress',
    atMost: 'remotingMaxConnections',
    why: 'one peer cannot hold more connections than the port accepts',
  },
  {
    key: 'remotingCloseQueuedResponseBytes',
    atLeast: 'remotingMaxQueuedResponseBytes',
    why: 'a peer is closed only past the bytes at which its socket stops being read',
  },
];

/** RemotingServer options from the configured keys. */
export function remotingServerLimits(config: ServerLimitsConfig): RemotingServerLimits {
  return {
    maxConnections: config.remotingMaxConnections,
    maxConnectionsPerAddress: config.remotingMaxConnectionsPerAddress,
    maxQueuedResponseBytes: config.remotingMaxQueuedResponseBytes,
    maxPendingWriteBytes: Math.max(
      config.remotingCloseQueuedResponseBytes,
      config.remotingMaxQueuedResponseBytes,
    ),
    backpressureTimeoutMs: config.remotingBackpressureTimeoutMs,
    maxServedInflight: config.remotingMaxInflightRequests,
    maxServedInflightBytes: config.remotingMaxInflightRequestBytes,
    frameTimeoutMs: config.remotingFrameTimeoutMs,
    maxPartialFrameBytes: config.remotingMaxPartialFrameBytes,
    requestsPerTurn: config.remotingRequestsPerTurn,
  };
}

export function serverLimitsDefaults(): ServerLimitsConfig {
  const config: Record<string, number> = {};
  for (const [key, spec] of Object.entries(SERVER_LIMITS_CONFIG_SCHEMA)) config[key] = spec.default;
  return config as ServerLimitsConfig;
}
