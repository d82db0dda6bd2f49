/**
 * The name server's routing registry, RocketMQ's RouteInfoManager rules (protocol/REMOTING.md 10).
 *
 *   topicQueueTable   topic      → brokerName → QueueData   (built from masters only)
 *   brokerAddrTable   brokerName → BrokerData {cluster, brokerId → address}
 *   clusterAddrTable  cluster    → brokerNames
 *   brokerLiveTable   address    → last registration time, DataVersion, connection, HA address
 *   filterServerTable address    → filter server addresses
 *
 * Invariants: a broker name is in brokerAddrTable only while it has an address; a topic is in
 * topicQueueTable only while some broker has queue data for it. Queue data of a broker name
 * goes when its last address goes, so a slave keeps a dead master's topics readable.
 * Everything is synchronous: the event loop is the lock Java takes around these tables.
 */
import type { Logger } from 'pino';
import { dataVersionsEqual } from './register-body.ts';
import { checkRegistrationLimits, DEFAULT_ROUTE_LIMITS } from './route-limits.ts';
import type { RouteLimits } from './route-limits.ts';
import type {
  BrokerData,
  ClusterInfo,
  ConnectionKey,
  DataVersion,
  ExpiredBroker,
  QueueData,
  RegisterBrokerInput,
  RegisterBrokerResult,
  TopicList,
  TopicRouteData,
} from './route-types.ts';
import { MASTER_ID, PermName } from './route-types.ts';

export type { ConnectionKey, ExpiredBroker, RegisterBrokerInput } from './route-types.ts';

interface BrokerLiveInfo {
  lastUpdateMs: number;
  dataVersion: DataVersion;
  connection: ConnectionKey | undefined;
  haServerAddr: string;
  /** This broker's own silence limit (5.x `heartbeatTimeoutMillis`), else the configured one. */
  expireMs: number;
}

interface StoredBrokerData {
  cluster: string;
  brokerName: string;
  brokerAddrs: Map<number, string>;
}

export interface RouteInfoManagerOptions {
  logger: Logger;
  brokerExpireMs: number;
  now?: () => number;
  limits?: Partial<RouteLimits>;
}

export class RouteInfoManager {
  private readonly topicQueueTable = new Map<string, Map<string, QueueData>>();
  private readonly brokerAddrTable = new Map<string, StoredBrokerData>();
  private readonly clusterAddrTable = new Map<string, Set<string>>();
  private readonly brokerLiveTable = new Map<string, BrokerLiveInfo>();
  private readonly filterServerTable = new Map<string, string[]>();
  private readonly logger: Logger;
  private readonly brokerExpireMs: number;
  private readonly now: () => number;
  readonly limits: Readonly<RouteLimits>;

  constructor(options: RouteInfoManagerOptions) {
    this.logger = options.logger;
    this.brokerExpireMs = options.brokerExpireMs;
    this.now = options.now ?? Date.now;
    this.limits = Object.freeze({ ...DEFAULT_ROUTE_LIMITS, ...options.limits });
  }

  registerBroker(input: RegisterBrokerInput): RegisterBrokerResult {
    checkRegistrationLimits(input, this.limits, {
      liveBrokerCount: this.brokerLiveTable.size,
      isLive: (addr) => this.brokerLiveTable.has(addr),
      topicCount: this.topicQueueTable.size,
      hasTopic: (topic) => this.topicQueueTable.has(topic),
    });
    const { clusterName, brokerAddr, brokerName, brokerId, body } = input;
    let brokerNames = this.clusterAddrTable.get(clusterName);
    if (brokerNames === undefined) {
      brokerNames = new Set();
      this.clusterAddrTable.set(clusterName, brokerNames);
    }
    brokerNames.add(brokerName);

    let registerFirst = false;
    let brokerData = this.brokerAddrTable.get(brokerName);
    if (brokerData === undefined) {
      registerFirst = true;
      brokerData = { cluster: clusterName, brokerName, brokerAddrs: new Map() };
      this.brokerAddrTable.set(brokerName, brokerData);
    }
    // A slave promoted to master re-registers its address under id 0: drop the old id first.
    for (const [id, addr] of brokerData.brokerAddrs) {
      if (addr === brokerAddr && id !== brokerId) brokerData.brokerAddrs.delete(id);
    }
    const oldAddr = brokerData.brokerAddrs.get(brokerId);
    brokerData.brokerAddrs.set(brokerId, brokerAddr);
    registerFirst ||= oldAddr === undefined;

    if (body !== undefined && brokerId === MASTER_ID) {
      if (registerFirst || this.isBrokerTopicConfigChanged(brokerAddr, body.dataVersion)) {
        for (const topic of body.topicConfigs) {
          this.putQueueData(topic.topicName, {
            brokerName,
            perm: topic.perm,
            readQueueNums: topic.readQueueNums,
            topicSysFlag: topic.topicSysFlag,
            writeQueueNums: topic.writeQueueNums,
          });
        }
      }
    }

    const previous = this.brokerLiveTable.get(brokerAddr);
    this.brokerLiveTable.set(brokerAddr, {
      lastUpdateMs: this.now(),
      dataVersion: body?.dataVersion ?? previous?.dataVersion ?? { counter: 0, timestamp: 0 },
      connection: input.connection,
      haServerAddr: input.haServerAddr,
      expireMs: input.heartbeatTimeoutMs ?? this.brokerExpireMs,
    });
    if (previous === undefined) {
      this.logger.info({ clusterName, brokerName, brokerId, brokerAddr }, 'new broker registered');
    }

    if (body !== undefined) {
      if (body.filterServerList.length === 0) this.filterServerTable.delete(brokerAddr);
      else this.filterServerTable.set(brokerAddr, [...body.filterServerList]);
    }

    if (brokerId === MASTER_ID) return {};
    const masterAddr = brokerData.brokerAddrs.get(MASTER_ID);
    const masterLive = masterAddr === undefined ? undefined : this.brokerLiveTable.get(masterAddr);
    if (masterAddr === undefined || masterLive === undefined) return {};
    return { masterAddr, haServerAddr: masterLive.haServerAddr };
  }

  unregisterBroker(
    clusterName: string,
    brokerAddr: string,
    brokerName: string,
    brokerId: number,
  ): void {
    const live = this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    let removeBrokerName = false;
    const brokerData = this.brokerAddrTable.get(brokerName);
    if (brokerData !== undefined) {
      brokerData.brokerAddrs.delete(brokerId);
      if (brokerData.brokerAddrs.size === 0) {
        this.brokerAddrTable.delete(brokerName);
        removeBrokerName = true;
      }
    }
    if (removeBrokerName) {
      this.removeFromCluster(clusterName, brokerName);
      this.removeTopicsOfBroker(brokerName);
    }
    this.logger.info(
      { clusterName, brokerName, brokerId, brokerAddr, live },
      'broker unregistered',
    );
  }

  /** The route of topic, or undefined when it has no queue data or no live broker data. */
  pickupTopicRoute(topic: string): TopicRouteData | undefined {
    const queueDataMap = this.topicQueueTable.get(topic);
    if (queueDataMap === undefined) return undefined;
    const queueDatas = [...queueDataMap.values()]
      .map((q) => ({ ...q }))
      .sort((a, b) => compare(a.brokerName, b.brokerName));
    const brokerDatas: BrokerData[] = [];
    const filterServerTable: Record<string, string[]> = {};
    for (const brokerName of [...queueDataMap.keys()].sort(compare)) {
      const stored = this.brokerAddrTable.get(brokerName);
      if (stored === undefined) continue;
      brokerDatas.push(copyBrokerData(stored));
      for (const addr of stored.brokerAddrs.values()) {
        const filters = this.filterServerTable.get(addr);
        if (filters !== undefined) filterServerTable[addr] = [...filters];
      }
    }
    if (queueDatas.length === 0 || brokerDatas.length === 0) return undefined;
    return { brokerDatas, filterServerTable, queueDatas };
  }

  clusterInfo(): ClusterInfo {
    const brokerAddrTable: Record<string, BrokerData> = {};
    for (const [name, stored] of this.brokerAddrTable)
      brokerAddrTable[name] = copyBrokerData(stored);
    const clusterAddrTable: Record<string, string[]> = {};
    for (const [cluster, names] of this.clusterAddrTable) clusterAddrTable[cluster] = [...names];
    return { brokerAddrTable, clusterAddrTable };
  }

  allTopics(): TopicList {
    return { topicList: [...this.topicQueueTable.keys()] };
  }

  topicsByCluster(clusterName: string): TopicList {
    const brokerNames = this.clusterAddrTable.get(clusterName);
    const topicList: string[] = [];
    if (brokerNames === undefined) return { topicList };
    for (const [topic, queueDataMap] of this.topicQueueTable) {
      for (const brokerName of brokerNames) {
        if (queueDataMap.has(brokerName)) {
          topicList.push(topic);
          break;
        }
      }
    }
    return { topicList };
  }

  /** Cluster and broker names (the topics every broker creates for itself), and one address. */
  systemTopicList(): TopicList {
    const topics = new Set<string>();
    let brokerAddr: string | undefined;
    for (const [cluster, names] of this.clusterAddrTable) {
      topics.add(cluster);
      for (const name of names) topics.add(name);
    }
    for (const stored of this.brokerAddrTable.values()) {
      for (const addr of stored.brokerAddrs.values()) brokerAddr = addr;
    }
    return { brokerAddr, topicList: [...topics] };
  }

  isBrokerTopicConfigChanged(brokerAddr: string, dataVersion: DataVersion): boolean {
    const live = this.brokerLiveTable.get(brokerAddr);
    return live === undefined || !dataVersionsEqual(live.dataVersion, dataVersion);
  }

  /** The DataVersion last registered from brokerAddr, if it is live. */
  brokerDataVersion = (brokerAddr: string): DataVersion | undefined =>
    this.brokerLiveTable.get(brokerAddr)?.dataVersion;

  /** QUERY_DATA_VERSION with an unchanged version counts as a registration for expiry. */
  touchBroker(brokerAddr: string): void {
    const live = this.brokerLiveTable.get(brokerAddr);
    if (live !== undefined) live.lastUpdateMs = this.now();
  }

  /** Clears WRITE on every topic of brokerName; returns how many topics changed. */
  wipeWritePerm(brokerName: string): number {
    return this.changePerm(brokerName, (perm) => perm & ~PermName.WRITE);
  }

  addWritePerm(brokerName: string): number {
    return this.changePerm(brokerName, (perm) => perm | PermName.WRITE);
  }

  /** Removes topic's queue data: everywhere, or only on clusterName's brokers. */
  deleteTopic(topic: string, clusterName?: string): void {
    if (clusterName === undefined || clusterName === '') {
      this.topicQueueTable.delete(topic);
      return;
    }
    const queueDataMap = this.topicQueueTable.get(topic);
    const brokerNames = this.clusterAddrTable.get(clusterName);
    if (queueDataMap === undefined || brokerNames === undefined) return;
    for (const brokerName of brokerNames) queueDataMap.delete(brokerName);
    if (queueDataMap.size === 0) this.topicQueueTable.delete(topic);
  }

  /** Drops brokers silent for longer than their expiry; returns them with their connections. */
  scanNotActiveBrokers(): ExpiredBroker[] {
    const now = this.now();
    const expired: ExpiredBroker[] = [];
    for (const [brokerAddr, live] of this.brokerLiveTable) {
      if (live.lastUpdateMs + live.expireMs < now) {
        expired.push({ brokerAddr, connection: live.connection });
      }
    }
    for (const { brokerAddr } of expired) {
      this.logger.warn({ brokerAddr }, 'broker expired: no registration within its expiry');
      this.dropBrokerAddress(brokerAddr);
    }
    return expired;
  }

  /** Drops every broker that registered over connection; returns their addresses. */
  onConnectionClose(connection: ConnectionKey): string[] {
    const dropped: string[] = [];
    for (const [addr, live] of this.brokerLiveTable) {
      if (live.connection === connection) dropped.push(addr);
    }
    for (const addr of dropped) {
      this.logger.info({ brokerAddr: addr }, 'broker connection closed; broker dropped');
      this.dropBrokerAddress(addr);
    }
    return dropped;
  }

  /** Connection a live broker registered over, so the server can close it on expiry. */
  connectionOf(brokerAddr: string): ConnectionKey | undefined {
    return this.brokerLiveTable.get(brokerAddr)?.connection;
  }

  get topicCount(): number {
    return this.topicQueueTable.size;
  }

  get liveBrokerCount(): number {
    return this.brokerLiveTable.size;
  }

  private dropBrokerAddress(brokerAddr: string): void {
    this.brokerLiveTable.delete(brokerAddr);
    this.filterServerTable.delete(brokerAddr);
    for (const [brokerName, stored] of [...this.brokerAddrTable]) {
      let found = false;
      for (const [id, addr] of stored.brokerAddrs) {
        if (addr === brokerAddr) {
          stored.brokerAddrs.delete(id);
          found = true;
        }
      }
      if (!found || stored.brokerAddrs.size > 0) continue;
      this.brokerAddrTable.delete(brokerName);
      // Every cluster: a broker that moved clusters is listed under both.
      for (const cluster of [...this.clusterAddrTable.keys()]) {
        this.removeFromCluster(cluster, brokerName);
      }
      this.removeTopicsOfBroker(brokerName);
    }
  }

  private removeFromCluster(clusterName: string, brokerName: string): void {
    const names = this.clusterAddrTable.get(clusterName);
    if (names === undefined) return;
    names.delete(brokerName);
    if (names.size === 0) this.clusterAddrTable.delete(clusterName);
  }

  private removeTopicsOfBroker(brokerName: string): void {
    for (const [topic, queueDataMap] of [...this.topicQueueTable]) {
      if (queueDataMap.delete(brokerName) && queueDataMap.size === 0) {
        this.topicQueueTable.delete(topic);
      }
    }
  }

  private putQueueData(topic: string, queueData: QueueData): void {
    let queueDataMap = this.topicQueueTable.get(topic);
    if (queueDataMap === undefined) {
      queueDataMap = new Map();
      this.topicQueueTable.set(topic, queueDataMap);
    }
    queueDataMap.set(queueData.brokerName, queueData);
  }

  private changePerm(brokerName: string, change: (perm: number) => number): number {
    let count = 0;
    for (const queueDataMap of this.topicQueueTable.values()) {
      const queueData = queueDataMap.get(brokerName);
      if (queueData === undefined) continue;
      queueData.perm = change(queueData.perm);
      count++;
    }
    return count;
  }
}

function copyBrokerData(stored: StoredBrokerData): BrokerData {
  const ids = [...stored.brokerAddrs.keys()].sort((a, b) => a - b);
  return {
    brokerAddrs: new Map(ids.map((id) => [id, stored.brokerAddrs.get(id)!])),
    brokerName: stored.brokerName,
    cluster: stored.cluster,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
