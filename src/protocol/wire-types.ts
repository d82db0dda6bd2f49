/**
 * JSON bodies both ends of the wire build or read (protocol/REMOTING.md 8.2, 8.3), with key
 * names as fastjson writes them: the SDK's admin sends a SubscriptionGroupConfig that the broker
 * stores, a consumer's heartbeat carries the SubscriptionData the broker filters pulls by.
 */

/** A consumer group's config (RocketMQ's SubscriptionGroupConfig). */
export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}

/** RocketMQ's defaults: what a broker creates on first use and mqadmin's updateSubGroup starts from. */
export function defaultSubscriptionGroupConfig(groupName: string): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
  };
}

/** One subscription of a consumer heartbeat (RocketMQ's SubscriptionData). */
export interface SubscriptionData {
  classFilterMode: boolean;
  /** javaStringHash of each tag: what the broker compares with the consume-queue tagsCode. */
  codeSet: number[];
  /** 'TAG' or 'SQL92'. */
  expressionType: string;
  subString: string;
  /** The client's clock when subscribing, used by brokers as a version. */
  subVersion: number;
  tagsSet: string[];
  topic: string;
}

/** The tag expression that takes every message. */
export const SUBSCRIBE_ALL = '*';

/** The tags of a tag expression `A || B`, trimmed, empty ones dropped, in order. */
export function splitTagExpression(expression: string): string[] {
  return expression
    .split('||')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** mqadmin haStatus's body (RocketMQ 5 HARuntimeInfo), plus each shard's link. */
export interface HaRuntimeInfo {
  master: boolean;
  masterCommitLogMaxOffset: number;
  inSyncSlaveNums: number;
  haConnectionInfo: Array<{
    addr: string;
    slaveAckOffset: number;
    diff: number;
    inSync: boolean;
    transferredByteInSecond: number;
    transferFromWhere: number;
    /** ThrustMQ: the store shard of this link (absent from Apache RocketMQ). */
    shard?: number;
    lagMessages?: number;
  }>;
  haClientRuntimeInfo: {
    masterAddr: string;
    transferredByteInSecond: number;
    maxOffset: number;
    lastReadTimestamp: number;
    lastWriteTimestamp: number;
    masterFlushOffset: number;
    isActivated: boolean;
  };
}
