/**
 * Routing structures the name server keeps and sends (protocol/REMOTING.md 8.1), and the limits
 * that bound what it holds. Field names are the JSON keys fastjson writes.
 */

/** A broker's config version: equal versions mean its topics did not change. */
export interface DataVersion {
  counter: number | bigint;
  timestamp: number | bigint;
  /** 5.x only. */
  stateVersion?: number | bigint | undefined;
}

export interface QueueData {
  brokerName: string;
  perm: number;
  readQueueNums: number;
  topicSysFlag: number;
  writeQueueNums: number;
}

/** The part of a broker's TopicConfig the name server keeps. */
export interface TopicConfigEntry {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface RegisterBrokerBody {
  dataVersion: DataVersion;
  topicConfigs: TopicConfigEntry[];
  filterServerList: string[];
}

/** BrokerData as sent: brokerAddrs keyed by broker id (0 = master), in id order. */
export interface BrokerData {
  brokerAddrs: Map<number, string>;
  brokerName: string;
  cluster: string;
}

export interface TopicRouteData {
  brokerDatas: BrokerData[];
  filterServerTable: Record<string, string[]>;
  orderTopicConf?: string | undefined;
  queueDatas: QueueData[];
}

export interface ClusterInfo {
  brokerAddrTable: Record<string, BrokerData>;
  clusterAddrTable: Record<string, string[]>;
}

export interface TopicList {
  brokerAddr?: string | undefined;
  topicList: string[];
}

/** Identifies the connection a broker registered over; compared with ===. */
export type ConnectionKey = string | number;

export interface RegisterBrokerInput {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  body: RegisterBrokerBody | undefined;
  connection?: ConnectionKey | undefined;
  heartbeatTimeoutMs?: number | undefined;
}

export interface ExpiredBroker {
  brokerAddr: string;
  connection: ConnectionKey | undefined;
}

export interface RegisterBrokerResult {
  /** For a slave whose master is registered: the master's address and HA address. */
  masterAddr?: string | undefined;
  haServerAddr?: string | undefined;
}

export const PermName = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;

/** The id of a master in BrokerData.brokerAddrs. */
export const MASTER_ID = 0;

/** Longest topic, broker, cluster name or address accepted (RocketMQ topics stop at 127). */
export const MAX_NAME_LENGTH = 255;
/** Largest queue count accepted for one topic on one broker. */
export const MAX_QUEUE_NUMS = 65_535;
