/**
 * GET_CONSUMER_RUNNING_INFO (307, REMOTING.md 12): an admin tool names a group and a client id;
 * the broker forwards the request to that client's connection and relays its answer
 * (ConsumerRunningInfo) as is. The wait for the client is bounded.
 */
import type { RemotingCommand, RequestHandler } from '../../remoting/index.ts';
import {
  createRequest,
  createResponse,
  optionalString,
  RequestCode,
  requireString,
  ResponseCode,
} from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';

const CLIENT_TIMEOUT_MS = 5000;

export function consumerRunningInfoHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [[RequestCode.GET_CONSUMER_RUNNING_INFO, (request) => forward(ctx, request)]];
}

async function forward(ctx: BrokerContext, request: RemotingCommand): Promise<RemotingCommand> {
  const group = requireString(request, 'consumerGroup');
  const clientId = requireString(request, 'clientId');
  const channel = ctx.clients.consumerChannel(group, clientId);
  if (!channel)
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      `The Consumer <${group}> <${clientId}> not online`,
    );
  const asked = createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, {
    consumerGroup: group,
    clientId,
    jstackEnable: optionalString(request, 'jstackEnable') ?? 'false',
  });
  let answer: RemotingCommand;
  try {
    answer = await channel.connection.invoke(asked, CLIENT_TIMEOUT_MS);
  } catch (error) {
    return createResponse(
      request,
      ResponseCode.SYSTEM_ERROR,
      `invoke the consumer <${clientId}> failed: ${(error as Error).message}`,
    );
  }
  return createResponse(request, answer.code, answer.remark, undefined, answer.body);
}
