/**
 * Checks of the broker config that one key's schema cannot make: values that depend on other
 * keys (segment size against maxMessageSize), and syntax richer than a pattern (hours of the
 * day, IP addresses, name-server lists). Run at load and by startBroker, so that a mistake is
 * a ConfigError naming the broker key, not a failure deep in the store naming its option.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../common/config-schema.ts';
import { MAX_RECORD_OVERHEAD_BYTES } from '../../native-free-store/options.ts';

/** The commit log ends each segment with an 8-byte end-of-file marker (protocol/STORE.md). */
const SEGMENT_END_MARKER_BYTES = 8;

export interface RelatedKeys {
  mappedFileSizeCommitLog: number;
  maxMessageSize: number;
  deleteWhen: string;
  brokerIP1: string;
  brokerIP2: string;
  namesrvAddr: string;
}

/** Throws a ConfigError naming the first key whose value does not fit; returns otherwise. */
export function checkBrokerConfigRelations(config: RelatedKeys): void {
  checkSegmentSize(config);
  checkDeleteWhen(config.deleteWhen);
  checkIpAddress('brokerIP1', config.brokerIP1);
  checkIpAddress('brokerIP2', config.brokerIP2);
  checkNameServers(config.namesrvAddr);
}

/** The smallest segment the store accepts: one record of the largest message, plus the marker. */
export function minimumSegmentSize(maxMessageSize: number): number {
  return maxMessageSize + MAX_RECORD_OVERHEAD_BYTES + SEGMENT_END_MARKER_BYTES;
}

function checkSegmentSize(config: RelatedKeys): void {
  const minimum = minimumSegmentSize(config.maxMessageSize);
  if (config.mappedFileSizeCommitLog >= minimum) return;
  throw new ConfigError(
    'mappedFileSizeCommitLog',
    `invalid value for mappedFileSizeCommitLog: '${config.mappedFileSizeCommitLog}' (allowed: at least maxMessageSize + ${MAX_RECORD_OVERHEAD_BYTES + SEGMENT_END_MARKER_BYTES}, ${minimum} with maxMessageSize=${config.maxMessageSize}: a segment must hold the largest record)`,
  );
}

/**
 * RocketMQ splits deleteWhen on ';' and compares each part with the hour of the day, so
 * "04" and "04;16" work and an hour past 23 silently never comes. That is refused here.
 */
export function checkDeleteWhen(value: string): void {
  const hours = value.split(';');
  const valid = hours.every((hour) => /^\d{1,2}$/.test(hour) && Number(hour) <= 23);
  if (valid) return;
  throw new ConfigError(
    'deleteWhen',
    `invalid value for deleteWhen: '${value}' (allowed: hours of the day 0-23 separated by ;, e.g. 04 or 04;16)`,
  );
}

function checkIpAddress(key: 'brokerIP1' | 'brokerIP2', value: string): void {
  if (value === '' || isIP(value) !== 0) return;
  throw new ConfigError(
    key,
    `invalid value for ${key}: '${value}' (allowed: empty or an IPv4 or IPv6 address)`,
  );
}

/** namesrvAddr: host:port entries separated by ';' ([v6]:port for IPv6), or empty. */
export function checkNameServers(value: string): void {
  const entries = value
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  for (const entry of entries) {
    if (isHostPort(entry)) continue;
    throw new ConfigError(
      'namesrvAddr',
      `invalid value for namesrvAddr: '${value}' ('${entry}' is not host:port; allowed: host:port entries separated by ;)`,
    );
  }
}

function isHostPort(entry: string): boolean {
  const colon = entry.lastIndexOf(':');
  if (colon <= 0) return false;
  const portText = entry.slice(colon + 1);
  let host = entry.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (isIP(host) !== 6) return false;
  } else if (host.includes(':')) return false;
  if (!/^\d{1,5}$/.test(portText)) return false;
  const port = Number(portText);
  return port >= 1 && port <= 65535 && /^[^\s;[\]]+$/.test(host);
}
