/**
 * Before a consumer starts with SQL92 subscriptions, every master serving their topics is asked
 * whether it can filter them (CHECK_CLIENT_CONFIG, 46), as the Java client does: a broker
 * without enablePropertyFilter, or an expression it cannot compile, fails start() with the
 * broker's reason instead of pulls failing quietly later.
 */
import { createRequest, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { ClientInstance } from '../core/client-instance.ts';
import { errorFromResponse } from '../core/errors.ts';
import type { SubscriptionData } from '../../protocol/wire-types.ts';

export async function checkSqlSubscriptions(
  instance: ClientInstance,
  group: string,
  subscriptions: Iterable<SubscriptionData>,
): Promise<void> {
  const checks: Array<Promise<void>> = [];
  for (const subscription of subscriptions) {
    if (subscription.expressionType !== 'SQL92') continue;
    checks.push(checkTopic(instance, group, subscription));
  }
  await Promise.all(checks);
}

async function checkTopic(
  instance: ClientInstance,
  group: string,
  subscription: SubscriptionData,
): Promise<void> {
  let masters: string[];
  try {
    const route = await instance.route(subscription.topic);
    masters = route.brokerDatas.flatMap((b) => (b.brokerAddrs['0'] ? [b.brokerAddrs['0']] : []));
  } catch {
    return; // No route yet: the pulls will meet the brokers' answer once it exists.
  }
  const body = Buffer.from(
    JSON.stringify({ clientId: instance.clientId, group, subscriptionData: subscription }),
  );
  const what = `SQL92 subscription check of topic ${subscription.topic}`;
  await Promise.all(
    masters.map(async (address) => {
      const response = await instance.invokeBroker(
        address,
        createRequest(RequestCode.CHECK_CLIENT_CONFIG, {}, body),
        what,
      );
      if (response.code !== ResponseCode.SUCCESS)
        throw errorFromResponse(response.code, response.remark, address, what);
    }),
  );
}
