/**
 * Unique message ids in RocketMQ's client format (protocol/REMOTING.md 13.5): client IPv4,
 * low 16 bits of the pid, a per-process random number, milliseconds since the start of the
 * month (local time), and a wrapping counter, as 32 upper-case hex characters.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';

let prefix: string | undefined;
let monthStartMs = 0;
let nextMonthStartMs = 0;
let counter = 0;

export function clientIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return '127.0.0.1';
}

function fixedPrefix(): string {
  const bytes = Buffer.alloc(10);
  clientIpv4()
    .split('.')
    .forEach((part, i) => (bytes[i] = Number(part) & 0xff));
  bytes.writeUInt16BE(process.pid & 0xffff, 4);
  randomBytes(4).copy(bytes, 6);
  return bytes.toString('hex').toUpperCase();
}

function refreshMonth(now: number): void {
  const date = new Date(now);
  monthStartMs = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
  nextMonthStartMs = new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime();
}

export function createUniqueId(now = Date.now()): string {
  prefix ??= fixedPrefix();
  if (now >= nextMonthStartMs || now < monthStartMs) refreshMonth(now);
  counter = (counter + 1) & 0xffff;
  const elapsed = (now - monthStartMs) >>> 0;
  return (
    prefix +
    elapsed.toString(16).toUpperCase().padStart(8, '0') +
    counter.toString(16).toUpperCase().padStart(4, '0')
  );
}
