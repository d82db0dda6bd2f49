/**
 * Broker-level admin, as mqadmin's clusterList, brokerStatus, getBrokerConfig and
 * updateBrokerConfig use it: the brokers of a cluster from the name server's cluster info,
 * GET_BROKER_RUNTIME_INFO (28, a KVTable), GET_BROKER_CONFIG (26, properties text) and
 * UPDATE_BROKER_CONFIG (25, properties text of the keys to change). REMOTING.md 8.4, 11.11.
 */
import type { HaRuntimeInfo } from '../../protocol/wire-types.ts';
import { formatProperties, parseProperties } from '../../common/properties.ts';
import {
  createRequest,
  parseLenientJson,
  RequestCode,
  ResponseCode,
} from '../../remoting/index.ts';
import type { ClusterInfo } from './admin.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import {
  BrokerError,
  errorFromResponse,
  InvalidArgumentError,
  NoRouteError,
} from '../core/errors.ts';

export interface BrokerEntry {
  clusterName: string;
  brokerName: string;
  /** 0 for a master. */
  brokerId: number;
  address: string;
}

const MAX_KEYS = 10_000;

/**
 * Every broker (masters and slaves) of clusterName, or of every cluster, sorted by cluster,
 * broker name and id. A NoRouteError when there is none.
 */
export function brokersOf(info: ClusterInfo, clusterName?: string): BrokerEntry[] {
  const clusters = clusterName === undefined ? Object.keys(info.clusters) : [clusterName];
  const entries: BrokerEntry[] = [];
  for (const cluster of clusters) {
    for (const brokerName of info.clusters[cluster] ?? []) {
      const addresses = info.brokers[brokerName]?.brokerAddrs ?? {};
      for (const [id, address] of Object.entries(addresses))
        entries.push({ clusterName: cluster, brokerName, brokerId: Number(id), address });
    }
  }
  if (entries.length === 0)
    throw new NoRouteError(
      clusterName === undefined
        ? 'no broker registered with the name servers'
        : `no broker in cluster ${clusterName}`,
    );
  return entries.sort(
    (a, b) =>
      a.clusterName.localeCompare(b.clusterName) ||
      a.brokerName.localeCompare(b.brokerName) ||
      a.brokerId - b.brokerId,
  );
}

async function invoke(
  client: ClientInstance,
  address: string,
  code: number,
  what: string,
  body?: Buffer,
): Promise<Buffer | undefined> {
  const response = await client.invokeBroker(address, createRequest(code, {}, body), what);
  if (response.code !== ResponseCode.SUCCESS)
    throw errorFromResponse(response.code, response.remark, address, what);
  return response.body;
}

/** The broker's runtime statistics (all values strings), keys sorted. */
export async function brokerRuntimeInfo(
  client: ClientInstance,
  address: string,
): Promise<Record<string, string>> {
  const what = 'broker runtime info';
  const body = await invoke(client, address, RequestCode.GET_BROKER_RUNTIME_INFO, what);
  const parsed = body ? parseLenientJson(body.toString('utf8')) : undefined;
  const table = (parsed as { table?: unknown } | undefined)?.table;
  if (typeof table !== 'object' || table === null)
    throw new BrokerError(`${what} at ${address}: the answer has no table`, { address });
  return sortedRecord(
    Object.entries(table as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
  );
}

/** The broker's effective configuration, keys sorted. */
export async function brokerConfig(
  client: ClientInstance,
  address: string,
): Promise<Record<string, string>> {
  const body = await invoke(client, address, RequestCode.GET_BROKER_CONFIG, 'broker config');
  return sortedRecord(parseProperties(body ? body.toString('utf8') : '').entries());
}

/**
 * Changes the given keys on one broker. The broker checks every key first and changes none
 * when one is unknown, invalid or not changeable at run time (its remark names the key).
 */
export async function updateBrokerConfig(
  client: ClientInstance,
  address: string,
  changes: Readonly<Record<string, string>>,
): Promise<void> {
  const entries = Object.entries(changes);
  if (entries.length === 0) throw new InvalidArgumentError('no broker config key to change');
  for (const [key] of entries) {
    if (!/^[A-Za-z][A-Za-z0-9_.]{0,127}$/.test(key))
      throw new InvalidArgumentError(`broker config key ${JSON.stringify(key)} is not a key name`);
  }
  await invoke(
    client,
    address,
    RequestCode.UPDATE_BROKER_CONFIG,
    `update broker config (${entries.map(([key]) => key).join(', ')})`,
    Buffer.from(formatProperties(entries)),
  );
}

function sortedRecord(entries: Iterable<[string, string]>): Record<string, string> {
  const list = [...entries].slice(0, MAX_KEYS).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(list);
}

/** mqadmin haStatus's answer (RocketMQ 5 HARuntimeInfo); ThrustMQ adds shard and lagMessages. */
export type HaStatus = HaRuntimeInfo;

export async function haStatus(client: ClientInstance, address: string): Promise<HaStatus> {
  const what = 'HA status';
  const body = await invoke(client, address, RequestCode.GET_BROKER_HA_STATUS, what);
  const parsed = body ? (parseLenientJson(body.toString('utf8')) as Partial<HaStatus>) : undefined;
  if (!parsed || !Array.isArray(parsed.haConnectionInfo))
    throw new BrokerError(`${what} at ${address}: the answer has no haConnectionInfo`, { address });
  return parsed as HaStatus;
}
