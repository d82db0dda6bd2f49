/**
 * VIEW_BROKER_STATS_DATA (315): one of RocketMQ's named counters, as mqadmin statsAll and the
 * console read them. Stats names and keys are BrokerStatsManager's: TOPIC_PUT_NUMS and
 * TOPIC_PUT_SIZE by topic, GROUP_GET_NUMS and GROUP_GET_SIZE by "topic@group", BROKER_PUT_NUMS
 * and BROKER_GET_NUMS by cluster name. A counter nothing has touched answers SYSTEM_ERROR
 * "The stats <name> <key> not exist", as RocketMQ does.
 *
 * ThrustMQ counts since boot rather than in sliding windows: each window's sum is the count
 * since boot, and its tps that count over the window (or the uptime, when shorter).
 */
import type { RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  RequestCode,
  requireString,
  ResponseCode,
  toFastJson,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import type { Traffic } from '../metrics/traffic-counters.ts';
import { bodyResponse } from './body-response.ts';

const WINDOWS_SECONDS = { statsMinute: 60, statsHour: 3600, statsDay: 86_400 } as const;

/** The count behind a stats name and key, or undefined when RocketMQ would have no item. */
export function statsCount(ctx: BrokerContext, name: string, key: string): number | undefined {
  const pick = (traffic: Traffic | undefined, bytes: boolean) =>
    traffic === undefined ? undefined : bytes ? traffic.bytes : traffic.messages;
  switch (name) {
    case 'TOPIC_PUT_NUMS':
    case 'TOPIC_PUT_SIZE':
      return pick(ctx.traffic.inboundOf(key), name === 'TOPIC_PUT_SIZE');
    case 'GROUP_GET_NUMS':
    case 'GROUP_GET_SIZE': {
      const at = key.lastIndexOf('@');
      if (at <= 0) return undefined;
      const traffic = ctx.traffic.outboundOf(key.slice(0, at), key.slice(at + 1));
      return pick(traffic, name === 'GROUP_GET_SIZE');
    }
    case 'BROKER_PUT_NUMS':
      return key === ctx.config.brokerClusterName ? ctx.stats.putMessages : undefined;
    case 'BROKER_GET_NUMS':
      return key === ctx.config.brokerClusterName ? ctx.stats.getTransferredMessages : undefined;
    default:
      return undefined;
  }
}

export function brokerStatsHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.VIEW_BROKER_STATS_DATA,
      (request) => {
        const name = requireString(request, 'statsName');
        const key = requireString(request, 'statsKey');
        const sum = statsCount(ctx, name, key);
        if (sum === undefined)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `The stats <${name}> <${key}> not exist`,
          );
        const uptime = Math.max(1, (Date.now() - ctx.bootTimestamp) / 1000);
        const data: Record<string, { sum: number; tps: number; avgpt: number }> = {};
        for (const [window, seconds] of Object.entries(WINDOWS_SECONDS))
          data[window] = { sum, tps: sum / Math.min(seconds, uptime), avgpt: 0 };
        return bodyResponse(request, toFastJson(data));
      },
    ],
  ];
}
