/**
 * Broker information for admin tools: GET_BROKER_RUNTIME_INFO (28) as a KVTable of strings and
 * GET_BROKER_CONFIG (26) as properties text. protocol/REMOTING.md 8.4, 11.11.
 */
import { formatProperties } from '../../common/properties.ts';
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

export function brokerInfoHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.GET_BROKER_RUNTIME_INFO,
      (request) => {
        const stats = ctx.stats;
        const table: Record<string, string> = {
          brokerVersion: String(SERVER_VERSION),
          brokerVersionDesc: 'ThrustMQ (RocketMQ V4_9_8 protocol)',
          bootTimestamp: String(ctx.bootTimestamp),
          runtime: `${Math.floor((Date.now() - ctx.bootTimestamp) / 1000)} s`,
          msgPutTotalTodayNow: String(stats.putMessages),
          msgGetTotalTodayNow: String(stats.getTransferredMessages),
          putMessageSizeTotal: String(stats.putBytes),
          putMessageTimesTotal: String(stats.putMessages),
          getFoundTimesTotal: String(stats.getMessagesFound),
          getMissTimesTotal: String(stats.getMisses),
          sendThreadPoolQueueSize: String(ctx.actors.inflight),
          actorThreads: String(ctx.actors.actorCount),
          storeShards: String(ctx.actors.reports.length),
        };
        return bodyResponse(request, toFastJson({ table }));
      },
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
