/**
 * How much the name server holds. A registration that would pass a limit is refused whole,
 * before any table changes, with a message naming the broker and the limit.
 */
import { NamesrvError, NamesrvErrorCode } from './errors.ts';
import type { RegisterBrokerInput } from './route-types.ts';
import { MASTER_ID } from './route-types.ts';

export interface RouteLimits {
  /** Topics with queue data, over all brokers. */
  maxTopics: number;
  /** Live broker addresses (masters and slaves). */
  maxBrokerAddresses: number;
  /** Filter servers one broker may list. */
  maxFilterServersPerBroker: number;
}

export const DEFAULT_ROUTE_LIMITS: Readonly<RouteLimits> = Object.freeze({
  maxTopics: 100_000,
  maxBrokerAddresses: 10_000,
  maxFilterServersPerBroker: 1_000,
});

/** What the check needs to know of the tables. */
export interface RouteTableSizes {
  liveBrokerCount: number;
  isLive: (brokerAddr: string) => boolean;
  topicCount: number;
  hasTopic: (topic: string) => boolean;
}

function limitExceeded(message: string): NamesrvError {
  return new NamesrvError(NamesrvErrorCode.LIMIT_EXCEEDED, message);
}

export function checkRegistrationLimits(
  input: RegisterBrokerInput,
  limits: Readonly<RouteLimits>,
  tables: RouteTableSizes,
): void {
  const { brokerAddr, brokerName, body } = input;
  if (!tables.isLive(brokerAddr) && tables.liveBrokerCount >= limits.maxBrokerAddresses) {
    throw limitExceeded(
      `name server holds the maximum of ${limits.maxBrokerAddresses} broker addresses; ${brokerAddr} not registered`,
    );
  }
  if (body === undefined) return;
  if (body.filterServerList.length > limits.maxFilterServersPerBroker) {
    throw limitExceeded(
      `broker ${brokerAddr} lists ${body.filterServerList.length} filter servers; at most ${limits.maxFilterServersPerBroker} are accepted`,
    );
  }
  // Slaves never add queue data, so only a master's topics count.
  if (input.brokerId !== MASTER_ID) return;
  const newTopics = new Set<string>();
  for (const topic of body.topicConfigs) {
    if (!tables.hasTopic(topic.topicName)) newTopics.add(topic.topicName);
  }
  const total = tables.topicCount + newTopics.size;
  if (total > limits.maxTopics) {
    throw limitExceeded(
      `registering broker ${brokerName} (${brokerAddr}) would raise the topics held to ${total}; this name server holds at most ${limits.maxTopics}`,
    );
  }
}
