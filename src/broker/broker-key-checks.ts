/**
 * Checks of single broker keys richer than a pattern (hours of the day, IP addresses,
 * name-server lists) and the commit-log headroom the segment-size relation needs. The schema
 * in broker-config.ts refers to them, so they run wherever a value is parsed or validated.
 * Each returns what is allowed when it refuses a value, undefined when it accepts it.
 */
import { isIP } from 'node:net';
import { MAX_RECORD_OVERHEAD_BYTES } from '../../native-free-store/options.ts';

/** The commit log ends each segment with an 8-byte end-of-file marker (protocol/STORE.md). */
const SEGMENT_END_MARKER_BYTES = 8;

/** What a segment needs beyond maxMessageSize: one record's overhead, plus the end marker. */
export const SEGMENT_HEADROOM_BYTES = MAX_RECORD_OVERHEAD_BYTES + SEGMENT_END_MARKER_BYTES;

/** The smallest segment the store accepts: one record of the largest message, plus the marker. */
export function minimumSegmentSize(maxMessageSize: number): number {
  return maxMessageSize + SEGMENT_HEADROOM_BYTES;
}

export const DELETE_WHEN_ALLOWED = 'hours of the day 0-23 separated by ;, e.g. 04 or 04;16';

/**
 * RocketMQ splits deleteWhen on ';' and compares each part with the hour of the day, so
 * "04" and "04;16" work and an hour past 23 silently never comes. That is refused here.
 */
export function deleteWhenRefusal(value: string): string | undefined {
  const hours = value.split(';');
  const valid = hours.every((hour) => /^\d{1,2}$/.test(hour) && Number(hour) <= 23);
  return valid ? undefined : DELETE_WHEN_ALLOWED;
}

export const IP_ALLOWED = 'empty or an IPv4 or IPv6 address';

export function ipAddressRefusal(value: string): string | undefined {
  return value === '' || isIP(value) !== 0 ? undefined : IP_ALLOWED;
}

/** namesrvAddr: host:port entries separated by ';' ([v6]:port for IPv6), or empty. */
export function nameServersRefusal(value: string): string | undefined {
  const entries = value
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const bad = entries.find((entry) => !isHostPort(entry));
  return bad === undefined
    ? undefined
    : `host:port entries separated by ;, and '${bad}' is not host:port`;
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
