/**
 * Consumer-group configuration, as mqadmin's updateSubGroup and deleteSubGroup change it:
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200) with a SubscriptionGroupConfig body, and
 * DELETE_SUBSCRIPTIONGROUP (207), sent to each broker chosen (every master of a cluster, or
 * one address); GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) reads one broker's groups back.
 * protocol/REMOTING.md 8.2, 11.10.
 */
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import {
  BrokerError,
  errorFromResponse,
  integerOption,
  InvalidArgumentError,
} from '../core/errors.ts';
import { validateGroup } from '../consumer/subscription.ts';
import { defaultSubscriptionGroupConfig } from '../../protocol/wire-types.ts';
import type { SubscriptionGroupConfig } from '../../protocol/wire-types.ts';

export type SubscriptionGroupSettings = Partial<Omit<SubscriptionGroupConfig, 'groupName'>>;

/** Where a group or broker change goes: every master of a cluster, or one broker. */
export interface BrokerTarget {
  clusterName?: string;
  /** "host:port" of one broker. */
  brokerAddress?: string;
}

const MAX_GROUPS = 1_000_000;

/** The full config sent: defaults with the settings given, each checked. */
export function subscriptionGroupOf(
  group: string,
  settings: SubscriptionGroupSettings = {},
): SubscriptionGroupConfig {
  validateGroup(group);
  const config = { ...defaultSubscriptionGroupConfig(group), ...settings, groupName: group };
  integerOption('retryQueueNums', config.retryQueueNums, 0, 1024);
  integerOption('retryMaxTimes', config.retryMaxTimes, -1, 1024);
  integerOption('brokerId', config.brokerId, 0, 1024);
  integerOption('whichBrokerWhenConsumeSlowly', config.whichBrokerWhenConsumeSlowly, 0, 1024);
  for (const key of [
    'consumeEnable',
    'consumeFromMinEnable',
    'consumeBroadcastEnable',
    'notifyConsumerIdsChangedEnable',
  ] as const) {
    if (typeof config[key] !== 'boolean')
      throw new InvalidArgumentError(`options.${key} must be true or false`);
  }
  return config;
}

export async function updateSubscriptionGroup(
  client: ClientInstance,
  addresses: readonly string[],
  config: SubscriptionGroupConfig,
): Promise<void> {
  const body = Buffer.from(JSON.stringify(config));
  for (const address of addresses) {
    const what = `update subscription group ${config.groupName}`;
    const response = await client.invokeBroker(
      address,
      createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, body),
      what,
    );
    if (response.code !== ResponseCode.SUCCESS)
      throw errorFromResponse(response.code, response.remark, address, what);
  }
}

export async function deleteSubscriptionGroup(
  client: ClientInstance,
  addresses: readonly string[],
  group: string,
  removeOffset: boolean,
): Promise<void> {
  validateGroup(group);
  for (const address of addresses) {
    const what = `delete subscription group ${group}`;
    const response = await client.invokeBroker(
      address,
      createRequest(RequestCode.DELETE_SUBSCRIPTIONGROUP, {
        groupName: group,
        removeOffset: String(removeOffset),
      }),
      what,
    );
    if (response.code !== ResponseCode.SUCCESS)
      throw errorFromResponse(response.code, response.remark, address, what);
  }
}

/** Every group config one broker holds, sorted by name. */
export async function subscriptionGroups(
  client: ClientInstance,
  address: string,
): Promise<SubscriptionGroupConfig[]> {
  const what = 'subscription groups';
  const response = await client.invokeBroker(
    address,
    createRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
    what,
  );
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
  const body = response.body ? parseLenientJson(response.body.toString('utf8')) : {};
  const table = (body as { subscriptionGroupTable?: unknown } | null)?.subscriptionGroupTable;
  if (typeof table !== 'object' || table === null)
    throw new BrokerError(`${what} at ${address}: no subscriptionGroupTable`, { address });
  return Object.entries(table as Record<string, Partial<SubscriptionGroupConfig>>)
    .slice(0, MAX_GROUPS)
    .map(([name, raw]) => ({ ...defaultSubscriptionGroupConfig(name), ...raw, groupName: name }))
    .sort((a, b) => (a.groupName < b.groupName ? -1 : a.groupName > b.groupName ? 1 : 0));
}
