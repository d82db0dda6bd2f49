/**
 * Message lookups: VIEW_MESSAGE_BY_ID (33) by the physical offset in an offset message id, and
 * QUERY_MESSAGE (12) by key or unique id through each shard's index. REMOTING.md 11.9.
 */
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import {
  createResponse,
  RequestCode,
  requireInt,
  requireLong,
  requireString,
  ResponseCode,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { splitPhysicalOffset } from '../message-id.ts';
import { bodyResponse } from './body-response.ts';

const MAX_QUERY_RESULTS = 64;
const UNIQUE_KEY_QUERY_MAX = 32;

/**
 * A time bound of the query, clamped to the safe integers: mqadmin queryMsgByKey asks for
 * [0, Long.MAX_VALUE], which no timestamp reaches either way. Undefined when not an integer.
 */
function timeBound(request: RemotingCommand, name: string): number | undefined {
  const text = requireString(request, name);
  if (!/^[+-]?\d{1,19}$/.test(text)) return undefined;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Number(text)));
}

export function queryHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.VIEW_MESSAGE_BY_ID,
      async (request) => {
        const offset = requireLong(request, 'offset');
        const { shard, local } = splitPhysicalOffset(offset);
        const bytes =
          shard < ctx.config.storeShards
            ? await ctx.actors.control(shard).readMessageAt(shard, local)
            : undefined;
        if (!bytes)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `can not find message by the offset, ${offset}`,
          );
        return bodyResponse(request, Buffer.from(bytes));
      },
    ],
    [RequestCode.QUERY_MESSAGE, (request) => queryMessage(ctx, request)],
  ];
}

/** QUERY_MESSAGE: by key (or unique id, when _UNIQUE_KEY_QUERY) on each of the topic's shards. */
async function queryMessage(
  ctx: BrokerContext,
  request: RemotingCommand,
): Promise<RemotingCommand> {
  const topic = requireString(request, 'topic');
  const key = requireString(request, 'key');
  const unique = (request.extFields?.['_UNIQUE_KEY_QUERY'] ?? '') === 'true';
  const maxNum = Math.min(
    MAX_QUERY_RESULTS,
    unique ? UNIQUE_KEY_QUERY_MAX : Math.max(1, requireInt(request, 'maxNum')),
  );
  const begin = timeBound(request, 'beginTimestamp');
  const end = timeBound(request, 'endTimestamp');
  if (begin === undefined || end === undefined)
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      'beginTimestamp and endTimestamp must be integers',
    );
  const found: Uint8Array[] = [];
  const shards = new Set<number>();
  const config = ctx.topics.get(topic);
  for (let q = 0; q < (config ? Math.max(config.readQueueNums, config.writeQueueNums) : 0); q++)
    shards.add(ctx.topics.shardOf(topic, q));
  for (const shard of shards) {
    if (found.length >= maxNum) break;
    const records = await ctx.actors
      .control(shard)
      .queryByKey(shard, topic, key, maxNum - found.length, begin, end);
    found.push(...records);
  }
  if (found.length === 0)
    return createResponse(
      request,
      ResponseCode.QUERY_NOT_FOUND,
      'can not find message, maybe time range not correct',
    );
  return createResponse(
    request,
    ResponseCode.SUCCESS,
    undefined,
    { indexLastUpdateTimestamp: String(Date.now()), indexLastUpdatePhyoffset: '0' },
    Buffer.concat(found),
  );
}
