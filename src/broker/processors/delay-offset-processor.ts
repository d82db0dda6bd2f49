/**
 * GET_ALL_DELAY_OFFSET (45, protocol/REMOTING.md 11.10): the schedule service's progress per
 * delay level, as slaves and admin tools read it, in delayOffset.json's form with bare keys.
 */
import type { RequestHandler } from '../../remoting/index.ts';
import { RequestCode } from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { bodyResponse } from './body-response.ts';

export function delayOffsetHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.GET_ALL_DELAY_OFFSET,
      (request) => bodyResponse(request, ctx.schedule.serializeOffsets()),
    ],
  ];
}
