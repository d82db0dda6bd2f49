/**
 * The broker's request table: every code it serves, on both of its ports, each behind its
 * request schema (validation/), so no handler sees a header that breaks it.
 */
import type { RemotingServer, RequestHandler } from '../../remoting/index.ts';
import { RequestCode } from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import type { PullHoldService } from '../coordinator/pull-hold-service.ts';
import { brokerConfigHandlers } from './broker-config-processor.ts';
import { brokerInfoHandlers } from './broker-info-processor.ts';
import { brokerStatsHandlers } from './broker-stats-processor.ts';
import { clientHandlers } from './client-processor.ts';
import { delayOffsetHandlers } from './delay-offset-processor.ts';
import { groupAdminHandlers } from './group-admin-processor.ts';
import { haStatusHandlers } from './ha-status-processor.ts';
import { lockHandlers } from './lock-processor.ts';
import { consumerRunningInfoHandlers } from './consumer-running-info-processor.ts';
import { offsetHandlers } from './offset-processor.ts';
import { pullProcessor } from './pull-processor.ts';
import { queryHandlers } from './query-processor.ts';
import { replyHandlers } from './reply-processor.ts';
import { resetOffsetHandlers } from './reset-offset-processor.ts';
import { sendBackHandlers } from './send-back-processor.ts';
import { sendProcessor } from './send-processor.ts';
import { topicAdminHandlers } from './topic-admin-processor.ts';
import { guardBrokerHandler } from '../validation/broker-request-guard.ts';

export function registerProcessors(
  server: RemotingServer,
  ctx: BrokerContext,
  holds: PullHoldService,
): void {
  for (const [code, handler] of brokerHandlers(ctx, holds)) {
    server.registerHandler(code, guardBrokerHandler(ctx, code, handler));
  }
}

/** Every code the broker serves and its unguarded handler. */
export function brokerHandlers(
  ctx: BrokerContext,
  holds: PullHoldService,
): Array<[number, RequestHandler]> {
  const send = sendProcessor(ctx);
  return [
    [RequestCode.SEND_MESSAGE, send],
    [RequestCode.SEND_MESSAGE_V2, send],
    [RequestCode.SEND_BATCH_MESSAGE, send],
    [RequestCode.PULL_MESSAGE, pullProcessor(ctx, holds)],
    ...offsetHandlers(ctx),
    ...clientHandlers(ctx),
    ...topicAdminHandlers(ctx),
    ...queryHandlers(ctx),
    ...replyHandlers(ctx),
    ...sendBackHandlers(ctx),
    ...groupAdminHandlers(ctx),
    ...brokerInfoHandlers(ctx),
    ...brokerStatsHandlers(ctx),
    ...brokerConfigHandlers(ctx),
    ...lockHandlers(ctx),
    ...consumerRunningInfoHandlers(ctx),
    ...resetOffsetHandlers(ctx),
    ...delayOffsetHandlers(ctx),
    ...haStatusHandlers(ctx),
  ];
}
