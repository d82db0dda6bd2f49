// Package entry for `import { Producer, PushConsumer, startBroker, ... } from 'thrustmq'`. The
// sources are TypeScript; register tsx before loading them, as bin/thrustmq.mjs does.
import { register } from 'tsx/esm/api';

register();
const api = await import('./src/index.ts');

export const {
  Producer,
  selectByHash,
  PushConsumer,
  ConsumeResult,
  OrderlyConsumeResult,
  LitePullConsumer,
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateByConfig,
  allocateByConsistentHash,
  Admin,
  GroupNotOnlineError,
  DeadLetterNotFoundError,
  BrokerBusyError,
  BrokerError,
  ClientClosedError,
  ClientErrorCode,
  ConnectionError,
  InvalidArgumentError,
  MessageTooLargeError,
  MQClientError,
  NoRouteError,
  TimeoutError,
  startBroker,
  startNameServer,
} = api;
