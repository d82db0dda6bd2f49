/** GET_BROKER_HA_STATUS (907): mqadmin haStatus's HARuntimeInfo, one entry per slave shard link. */
import type { RequestHandler } from '../../remoting/index.ts';
import { RequestCode, createResponse, ResponseCode } from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { bodyResponse } from './body-response.ts';

export function haStatusHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.GET_BROKER_HA_STATUS,
      (request) => {
        const replication = ctx.replication;
        if (!replication)
          return createResponse(request, ResponseCode.SYSTEM_ERROR, 'replication is not running');
        return bodyResponse(request, JSON.stringify(replication.runtimeInfo()));
      },
    ],
  ];
}
