/**
 * Broker information for admin tools: GET_BROKER_RUNTIME_INFO (28) as a KVTable of strings and
 * GET_BROKER_CONFIG (26) as properties text. protocol/REMOTING.md 8.4, 11.11.
 *
 * The runtime table uses RocketMQ's key names and value formats where ThrustMQ has the figure
 * (mqadmin brokerStatus prints them all; clusterList parses putTps, getTransferedTps,
 * the thread-pool figures, commitLogDiskRatio and the day marks, and fails on a missing one).
 */
import { statfsSync } from 'node:fs';
import { formatProperties } from '../../common/properties.ts';
import { packageVersion } from '../../common/package-version.ts';
import type { RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  RequestCode,
  ResponseCode,
  SERVER_VERSION,
  toFastJson,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { bodyResponse } from './body-response.ts';

/** MQVersion.getVersionDesc(SERVER_VERSION): the protocol version ThrustMQ speaks. */
const VERSION_DESC = 'V4_9_8';

/** RocketMQ's "[ 0 days, 0 hours, 0 minutes, 7 seconds ]". */
export function formatRuntime(millis: number): string {
  const total = Math.max(0, Math.floor(millis / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  return `[ ${days} days, ${hours} hours, ${minutes} minutes, ${total % 60} seconds ]`;
}

/** Used share of the store's file system, as RocketMQ's commitLogDiskRatio (0..1). */
function diskRatio(path: string): string | undefined {
  try {
    const fs = statfsSync(path);
    if (fs.blocks === 0) return undefined;
    return ((fs.blocks - fs.bfree) / fs.blocks).toFixed(2);
  } catch {
    return undefined;
  }
}

export function runtimeTable(ctx: BrokerContext, now = Date.now()): Record<string, string> {
  const stats = ctx.stats;
  const mornings = stats.mornings();
  const table: Record<string, string> = {
    brokerVersion: String(SERVER_VERSION),
    brokerVersionDesc: VERSION_DESC,
    thrustmqVersion: packageVersion(),
    bootTimestamp: String(ctx.bootTimestamp),
    runtime: formatRuntime(now - ctx.bootTimestamp),
    msgPutTotalYesterdayMorning: String(mornings.yesterday.putMessages),
    msgPutTotalTodayMorning: String(mornings.today.putMessages),
    msgPutTotalTodayNow: String(stats.putMessages),
    msgGetTotalYesterdayMorning: String(mornings.yesterday.getTransferredMessages),
    msgGetTotalTodayMorning: String(mornings.today.getTransferredMessages),
    msgGetTotalTodayNow: String(stats.getTransferredMessages),
    putMessageSizeTotal: String(stats.putBytes),
    putMessageTimesTotal: String(stats.putMessages),
    putMessageAverageSize: String(stats.putMessages > 0 ? stats.putBytes / stats.putMessages : 0),
    getFoundTimesTotal: String(stats.getMessagesFound),
    getMissTimesTotal: String(stats.getMisses),
    putTps: stats.rates('putMessages', now),
    getTransferedTps: stats.rates('getTransferredMessages', now),
    getFoundTps: stats.rates('getMessagesFound', now),
    getMissTps: stats.rates('getMisses', now),
    // Sends wait in the actors' admission, not in a thread pool's queue: that is its length.
    sendThreadPoolQueueSize: String(ctx.actors.inflight),
    sendThreadPoolQueueHeadWaitTimeMills: '0',
    pullThreadPoolQueueSize: '0',
    pullThreadPoolQueueHeadWaitTimeMills: '0',
    pageCacheLockTimeMills: '0',
    actorThreads: String(ctx.actors.actorCount),
    storeShards: String(ctx.actors.reports.length),
  };
  // RocketMQ 5 spells it correctly; 4.x tools read the misspelling above.
  table['getTransferredTps'] = table['getTransferedTps']!;
  const ratio = diskRatio(ctx.config.storePathRootDir);
  if (ratio !== undefined) table['commitLogDiskRatio'] = ratio;
  return table;
}

export function brokerInfoHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.GET_BROKER_RUNTIME_INFO,
      (request) => bodyResponse(request, toFastJson({ table: runtimeTable(ctx) })),
    ],
    [
      RequestCode.GET_BROKER_CONFIG,
      (request) => {
        const entries = Object.entries(ctx.config).map(
          ([key, value]) => [key, String(value)] as [string, string],
        );
        return createResponse(
          request,
          ResponseCode.SUCCESS,
          undefined,
          { version: toFastJson({ counter: 0, timestamp: ctx.bootTimestamp }) },
          Buffer.from(formatProperties(entries)),
        );
      },
    ],
  ];
}
