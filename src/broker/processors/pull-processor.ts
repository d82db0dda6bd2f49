/**
 * PULL_MESSAGE (11): checks, tag filter by hash, offset commit, the read on the queue's actor,
 * the status mapping of protocol/REMOTING.md 11.2, and long polling through PullHoldService.
 */
import { suggestedBrokerId } from './pull-suggestion.ts';
import type { RemotingCommand, RemotingConnection } from '../../remoting/index.ts';
import {
  createResponse,
  optionalString,
  requireInt,
  requireLong,
  requireString,
  ResponseCode,
} from '../../remoting/index.ts';
import type { PullResult } from '../actor/pull-result-record.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { buildSubscription } from '../clients/subscription.ts';
import { SQL92, sqlExpressionProblem } from '../filter/sql-filters.ts';
import { Perm } from '../metadata/topic-config.ts';
import type { PullHoldService } from '../coordinator/pull-hold-service.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

const FLAG_COMMIT_OFFSET = 1;
const FLAG_SUSPEND = 2;
const FLAG_SUBSCRIPTION = 4;
/** Java clients suspend 15 s, ali-ons 20 s; nothing real waits 5 minutes. */
const MAX_HOLD_MS = 300_000;

interface PullCall {
  request: RemotingCommand;
  connection: RemotingConnection;
  group: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  maxMessages: number;
  tagCodes: number[];
  shard: number;
  /** performance.now() at arrival, for the pull latency metric. */
  arrivedMs: number;
  held: boolean;
  /** A SQL92 subscription: only the found records that match come back from the actor. */
  sql: string | undefined;
}

interface PullPlan {
  call: PullCall;
  /** The client asked to be held (FLAG_SUSPEND) and holding is on. */
  mayHold: boolean;
  holdMs: number;
}

export function pullProcessor(ctx: BrokerContext, holds: PullHoldService) {
  return (
    request: RemotingCommand,
    connection: RemotingConnection,
  ): RemotingCommand | undefined => {
    const plan = planPull(ctx, request, connection);
    if (!('call' in plan)) return plan;
    // Stopping (its offset commit above is kept): a client told to come back later waits before
    // it pulls again, instead of re-pulling at once into a connection about to close, where an
    // unanswered pull keeps Apache's Java consumer waiting 30 s after the restart.
    if (holds.stopping)
      return createResponse(
        request,
        ResponseCode.SERVICE_NOT_AVAILABLE,
        'the broker is stopping, pull again later',
      );
    executePull(ctx, holds, plan);
    return undefined;
  };
}

/** The checks of RocketMQ's PullMessageProcessor, in its order: an answer, or what to read. */
function planPull(
  ctx: BrokerContext,
  request: RemotingCommand,
  connection: RemotingConnection,
): PullPlan | RemotingCommand {
  const arrivedMs = performance.now();
  const group = requireString(request, 'consumerGroup');
  const topic = requireString(request, 'topic');
  const queueId = requireInt(request, 'queueId');
  const queueOffset = requireLong(request, 'queueOffset');
  const maxMsgNums = requireInt(request, 'maxMsgNums');
  const sysFlag = requireInt(request, 'sysFlag');
  const commitOffset = requireLong(request, 'commitOffset');
  const suspendTimeoutMillis = requireLong(request, 'suspendTimeoutMillis');
  const refused = accessProblem(ctx, request, connection, group, topic, queueId);
  if (refused) return refused;
  const filter = pullFilter(ctx, request, group, topic, sysFlag);
  if (!('tagCodes' in filter)) return filter;

  if ((sysFlag & FLAG_COMMIT_OFFSET) !== 0) ctx.offsets.commit(group, topic, queueId, commitOffset);

  // A client waits suspend + a margin for its answer: holding longer than any client waits
  // only pins a parked pull (and its connection's request) for a peer long gone.
  const holdMs = ctx.config.longPollingEnable
    ? Math.min(suspendTimeoutMillis, MAX_HOLD_MS)
    : ctx.config.shortPollingTimeMills;
  const call: PullCall = {
    request,
    connection,
    group,
    topic,
    queueId,
    queueOffset,
    maxMessages: Math.max(1, Math.min(maxMsgNums, ctx.config.maxTransferCountOnMessageInMemory)),
    tagCodes: filter.tagCodes,
    shard: ctx.topics.shardOf(topic, queueId),
    arrivedMs,
    held: false,
    sql: filter.sql,
  };
  return { call, mayHold: (sysFlag & FLAG_SUSPEND) !== 0 && holdMs > 0, holdMs };
}

/** Broker and topic read permission, the group, the topic and the queue id. */
function accessProblem(
  ctx: BrokerContext,
  request: RemotingCommand,
  connection: RemotingConnection,
  group: string,
  topic: string,
  queueId: number,
): RemotingCommand | undefined {
  const fail = (code: number, remark: string) => createResponse(request, code, remark);
  if ((ctx.config.brokerPermission & Perm.READ) === 0)
    return fail(
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.config.brokerName}] pulling message is forbidden`,
    );
  const groupConfig = ctx.groups.findOrCreate(group);
  if (!groupConfig)
    return fail(
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `subscription group [${group}] does not exist`,
    );
  if (!groupConfig.consumeEnable)
    return fail(ResponseCode.NO_PERMISSION, `subscription group no permission, ${group}`);
  const topicConfig = ctx.topics.get(topic);
  if (!topicConfig)
    return fail(ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please!`);
  if ((topicConfig.perm & Perm.READ) === 0)
    return fail(ResponseCode.NO_PERMISSION, `the topic[${topic}] pulling message is forbidden`);
  if (queueId < 0 || queueId >= topicConfig.readQueueNums)
    return fail(
      ResponseCode.SYSTEM_ERROR,
      `queueId[${queueId}] is illegal, topic:[${topic}] topicConfig.readQueueNums:[${topicConfig.readQueueNums}] consumer:[${connection.remoteEndpoint}]`,
    );
  return undefined;
}

/** The subscription the pull carries or the group registered: tag hashes, or a SQL92 text. */
function pullFilter(
  ctx: BrokerContext,
  request: RemotingCommand,
  group: string,
  topic: string,
  sysFlag: number,
): { tagCodes: number[]; sql: string | undefined } | RemotingCommand {
  const fail = (code: number, remark: string) => createResponse(request, code, remark);
  let subscription: SubscriptionData | undefined;
  if ((sysFlag & FLAG_SUBSCRIPTION) !== 0) {
    subscription = buildSubscription(
      topic,
      optionalString(request, 'subscription'),
      optionalString(request, 'expressionType') ?? 'TAG',
    );
  } else {
    subscription = ctx.clients.subscription(group, topic);
    if (!subscription)
      return fail(
        ResponseCode.SUBSCRIPTION_NOT_EXIST,
        `the consumer's subscription not exist, group: ${group} topic: ${topic}`,
      );
  }
  if (subscription.expressionType === 'TAG')
    return { tagCodes: subscription.codeSet, sql: undefined };
  if (subscription.expressionType !== SQL92 || !ctx.config.enablePropertyFilter)
    return fail(
      ResponseCode.SYSTEM_ERROR,
      'The broker does not support consumer to filter message by SQL92',
    );
  const problem = sqlExpressionProblem(subscription.subString);
  if (problem)
    return fail(
      ResponseCode.SUBSCRIPTION_PARSE_FAILED,
      `parse the consumer's subscription failed, ${problem}`,
    );
  return { tagCodes: subscription.codeSet, sql: subscription.subString };
}

/** Sends the read to the queue's actor; its answer completes the pull (or holds it). */
function executePull(ctx: BrokerContext, holds: PullHoldService, plan: PullPlan): void {
  const { call } = plan;
  // Nobody reads the answer of a closed connection; one not reading its answers gets none.
  if (call.connection.closed) return;
  if (call.connection.backlogged) {
    call.connection.respond(call.request, backloggedResponse(call));
    return;
  }
  if (!call.held)
    call.connection.reserve(call.request, ctx.config.maxTransferBytesOnMessageInMemory);
  // This runs in the actor host's response loop: a throw there would lose the answers of the
  // rest of its batch, so it becomes this pull's SYSTEM_ERROR instead.
  const completeSafely = (result: PullResult): void => {
    try {
      completePull(ctx, holds, plan, result);
    } catch (error) {
      pullFailed(ctx, call, error);
    }
  };
  const accepted = ctx.actors.pull(
    {
      shard: call.shard,
      topic: call.topic,
      queueId: call.queueId,
      queueOffset: call.queueOffset,
      maxMessages: call.maxMessages,
      maxBytes: ctx.config.maxTransferBytesOnMessageInMemory,
      tagCodes: call.tagCodes,
      ...(call.sql !== undefined ? { sql: call.sql } : {}),
    },
    completeSafely,
    call.connection.id,
    () => !call.connection.closed && !call.connection.backlogged,
  );
  if (!accepted) {
    call.connection.respond(
      call.request,
      createResponse(
        call.request,
        ResponseCode.SYSTEM_BUSY,
        '[REJECTREQUEST]system busy, start flow control for a while',
      ),
    );
  }
}

/** Answers the pull, or parks it for long polling when nothing was found and it may wait. */
function completePull(
  ctx: BrokerContext,
  holds: PullHoldService,
  plan: PullPlan,
  result: PullResult,
): void {
  const { call } = plan;
  if (call.connection.backlogged || result.dataSkipped === true) {
    call.connection.respond(call.request, backloggedResponse(call));
    return;
  }
  const response = pullResponse(
    call,
    result,
    suggestedBrokerId(ctx, call.group, call.shard, result.data),
  );
  if (response.code === ResponseCode.PULL_NOT_FOUND && plan.mayHold && hold(ctx, holds, plan))
    return;
  if (result.status === 'FOUND') {
    ctx.stats.getMessagesFound++;
    ctx.stats.getTransferredMessages += result.messageCount;
    // A held pull rerun after its consumer left transfers nothing.
    if (!call.connection.closed)
      ctx.traffic.countOut(call.topic, call.group, result.messageCount, result.data?.length ?? 0);
  } else {
    ctx.stats.getMisses++;
  }
  if (!call.held) ctx.traffic.pullLatency.observe((performance.now() - call.arrivedMs) / 1000);
  call.connection.respond(call.request, response);
}

/** Parks the pull until a message arrives or its hold ends; false when it cannot be held. */
function hold(ctx: BrokerContext, holds: PullHoldService, plan: PullPlan): boolean {
  const { call } = plan;
  const parked =
    !call.connection.closed &&
    holds.hold({
      topic: call.topic,
      queueId: call.queueId,
      queueOffset: call.queueOffset,
      deadlineMs: Date.now() + plan.holdMs,
      // Runs from the hold service's timer or an arrival: a throw there would end the process,
      // so it answers this pull instead.
      rerun: () => {
        try {
          executePull(ctx, holds, { call, mayHold: false, holdMs: 0 });
        } catch (error) {
          pullFailed(ctx, call, error);
        }
      },
      abandoned: () => call.connection.closed,
    });
  if (!parked) return false;
  call.connection.park(call.request);
  call.held = true;
  ctx.traffic.pullsHeld++;
  return true;
}

function pullFailed(ctx: BrokerContext, call: PullCall, error: unknown): void {
  ctx.logger.warn({ err: error, topic: call.topic }, 'completing a pull failed');
  const remark = `pull failed: ${error instanceof Error ? error.message : String(error)}`;
  call.connection.respond(
    call.request,
    createResponse(call.request, ResponseCode.SYSTEM_ERROR, remark),
  );
}

/**
 * The answer to a pull on a connection whose peer leaves responses unread past the remoting
 * cap: no messages, "retry at the same offset", so what it has not read does not grow by a
 * batch per pull (a consumer that reads again pulls on from there).
 */
function backloggedResponse(call: PullCall): RemotingCommand {
  return createResponse(
    call.request,
    ResponseCode.PULL_RETRY_IMMEDIATELY,
    'responses to this connection are not being read; pull again',
    {
      suggestWhichBrokerId: '0',
      nextBeginOffset: String(call.queueOffset),
      minOffset: '0',
      maxOffset: '0',
    },
  );
}

function pullResponse(call: PullCall, result: PullResult, suggestion: string): RemotingCommand {
  let code: number;
  let next = result.nextBeginOffset;
  switch (result.status) {
    case 'FOUND':
      code = ResponseCode.SUCCESS;
      break;
    case 'NO_MATCHED_MESSAGE':
    case 'MESSAGE_WAS_REMOVING':
      code = ResponseCode.PULL_RETRY_IMMEDIATELY;
      break;
    case 'NO_MATCHED_LOGIC_QUEUE':
    case 'NO_MESSAGE_IN_QUEUE':
      code = call.queueOffset !== 0 ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
      next = 0;
      break;
    case 'OFFSET_TOO_SMALL':
      code = ResponseCode.PULL_OFFSET_MOVED;
      break;
    case 'OFFSET_OVERFLOW_BADLY':
      code = ResponseCode.PULL_OFFSET_MOVED;
      next = result.minOffset === 0 ? 0 : result.maxOffset;
      break;
    default:
      code = ResponseCode.PULL_NOT_FOUND;
  }
  return createResponse(
    call.request,
    code,
    result.status,
    {
      suggestWhichBrokerId: suggestion,
      nextBeginOffset: String(next),
      minOffset: String(result.minOffset),
      maxOffset: String(result.maxOffset),
    },
    code === ResponseCode.SUCCESS ? result.data : undefined,
  );
}
