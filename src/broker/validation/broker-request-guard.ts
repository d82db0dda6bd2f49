/**
 * Puts every broker handler behind its request schema (broker-request-schemas.ts): header
 * syntax and ranges first, then the metadata checks the schema asks for, in RocketMQ's codes
 * and words: SUBSCRIPTION_GROUP_NOT_EXIST, TOPIC_NOT_EXIST, SYSTEM_ERROR for an illegal queue
 * id. Nothing here creates a topic or a queue; a group is created only as the broker's
 * autoCreateSubscriptionGroup allows, as a pull or heartbeat would.
 */
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import { createResponse, ResponseCode } from '../../remoting/index.ts';
import { compileSchema, schemaViolation } from '../../remoting/request-schema.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import type { BrokerRequestSchema } from './broker-request-schemas.ts';
import { BROKER_REQUEST_SCHEMAS } from './broker-request-schemas.ts';

export function guardBrokerHandler(
  ctx: BrokerContext,
  code: number,
  handler: RequestHandler,
): RequestHandler {
  const schema = BROKER_REQUEST_SCHEMAS.get(code);
  // A handler without a schema is a programming error: refuse to start rather than serve it.
  if (schema === undefined) throw new Error(`request code ${code} has no request schema`);
  const compiled = compileSchema(schema);
  const state = schema.state;
  return (request, connection) => {
    const violation = schemaViolation(compiled, request);
    if (violation !== undefined) return violation;
    if (state !== undefined) {
      const refused = stateProblem(ctx, state, request);
      if (refused !== undefined) return refused;
    }
    return handler(request, connection);
  };
}

function field(request: RemotingCommand, name: string): string {
  // The schema made it a present string.
  return request.extFields![name]!;
}

function stateProblem(
  ctx: BrokerContext,
  state: NonNullable<BrokerRequestSchema['state']>,
  request: RemotingCommand,
): RemotingCommand | undefined {
  if (state.group !== undefined) {
    const group = field(request, state.group);
    if (ctx.groups.findOrCreate(group) === undefined)
      return createResponse(
        request,
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group [${group}] does not exist`,
      );
  }
  if (state.queue !== undefined) {
    const topic = field(request, state.queue.topic);
    const config = ctx.topics.get(topic);
    if (config === undefined)
      return createResponse(
        request,
        ResponseCode.TOPIC_NOT_EXIST,
        `topic[${topic}] not exist, apply first please!`,
      );
    const queueId = Number(field(request, state.queue.queueId));
    const queues =
      state.queue.range === 'read'
        ? config.readQueueNums
        : Math.max(config.readQueueNums, config.writeQueueNums);
    if (queueId < 0 || queueId >= queues)
      return createResponse(
        request,
        ResponseCode.SYSTEM_ERROR,
        `queueId[${queueId}] is illegal, topic:[${topic}] topicConfig.${
          state.queue.range === 'read' ? 'readQueueNums' : 'queueNums'
        }:[${queues}]`,
      );
  }
  return undefined;
}
