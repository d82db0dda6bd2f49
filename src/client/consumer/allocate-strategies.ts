/**
 * How a clustering group splits a topic's queues among its members (protocol/REMOTING.md 14.5).
 * Every member runs the same strategy over the same sorted inputs, so each computes its own share
 * and the shares never overlap. Strategies are plain functions; inputs must already be sorted
 * (queues by topic, broker name, queue id; client ids as strings), as the rebalancer does.
 * The names and results match the Java client's strategies, so Java and TypeScript members can
 * share a group.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.ts';
import type { MessageQueue } from '../core/route.ts';

export type AllocateStrategy = (
  group: string,
  currentClientId: string,
  queues: readonly MessageQueue[],
  clientIds: readonly string[],
) => MessageQueue[];

/**
 * Contiguous blocks, the first `queues % clients` members taking one extra:
 * 8 queues over 3 members gives 3, 3, 2.
 */
export const allocateAveragely: AllocateStrategy = (_group, currentClientId, queues, clientIds) => {
  const index = clientIds.indexOf(currentClientId);
  if (index < 0 || queues.length === 0) return [];
  const queueCount = queues.length;
  const clientCount = clientIds.length;
  const remainder = queueCount % clientCount;
  const takesExtra = remainder > 0 && index < remainder;
  const size =
    queueCount <= clientCount ? 1 : Math.floor(queueCount / clientCount) + (takesExtra ? 1 : 0);
  const start = takesExtra ? index * size : index * size + remainder;
  const range = Math.min(size, queueCount - start);
  const mine: MessageQueue[] = [];
  for (let k = 0; k < range; k++) mine.push(queues[(start + k) % queueCount]!);
  return mine;
};

/** Queue k goes to member k mod members, dealing the queues round the table. */
export const allocateAveragelyByCircle: AllocateStrategy = (
  _group,
  currentClientId,
  queues,
  clientIds,
) => {
  const index = clientIds.indexOf(currentClientId);
  if (index < 0) return [];
  return queues.filter((_queue, k) => k % clientIds.length === index);
};

/** The Java client's text for a queue, which the consistent-hash ring hashes. */
function queueText(queue: MessageQueue): string {
  return `MessageQueue [topic=${queue.topic}, brokerName=${queue.brokerName}, queueId=${queue.queueId}]`;
}

/** The first four bytes of the key's MD5 as an unsigned number, as the Java ring hashes. */
function md5Hash(key: string): number {
  return createHash('md5').update(key, 'utf8').digest().readUInt32BE(0);
}

export const DEFAULT_VIRTUAL_NODES = 10;
const MAX_VIRTUAL_NODES = 10_000;

/**
 * Members and queues placed on a hash ring; each member appears `virtualNodes` times
 * ("<clientId>-<i>"), and a queue belongs to the first member point at or after its own hash.
 * A member joining or leaving moves only the queues next to its points.
 */
export function allocateByConsistentHash(
  virtualNodes: number = DEFAULT_VIRTUAL_NODES,
): AllocateStrategy {
  if (!Number.isInteger(virtualNodes) || virtualNodes < 1 || virtualNodes > MAX_VIRTUAL_NODES)
    throw new InvalidArgumentError(
      `virtualNodes must be an integer from 1 to ${MAX_VIRTUAL_NODES}, got ${virtualNodes}`,
    );
  return (_group, currentClientId, queues, clientIds) => {
    if (!clientIds.includes(currentClientId)) return [];
    // Later points overwrite earlier ones on a collision, as in a sorted map.
    const points = new Map<number, string>();
    for (const clientId of clientIds) {
      for (let i = 0; i < virtualNodes; i++) points.set(md5Hash(`${clientId}-${i}`), clientId);
    }
    const ring = [...points.keys()].sort((a, b) => a - b);
    return queues.filter((queue) => {
      const hash = md5Hash(queueText(queue));
      let low = 0;
      let high = ring.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (ring[middle]! < hash) low = middle + 1;
        else high = middle;
      }
      const point = ring[low === ring.length ? 0 : low]!;
      return points.get(point) === currentClientId;
    });
  };
}

/** A fixed assignment: this member always takes exactly the given queues. */
export function allocateByConfig(queues: readonly MessageQueue[]): AllocateStrategy {
  const fixed = queues.map((queue) => ({ ...queue }));
  return () => fixed.map((queue) => ({ ...queue }));
}
