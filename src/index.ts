/**
 * ThrustMQ's public API: the client SDK (Producer, PushConsumer, LitePullConsumer, Admin) for
 * ThrustMQ or any RocketMQ broker, and the embedding API that runs a name server and a broker
 * inside an application's process with the same options as their properties files.
 */
export { Producer, selectByHash } from './client/producer/producer.ts';
export type {
  BatchSendOptions,
  ProducerOptions,
  QueueSelector,
  SendOptions,
  SendResult,
  SendStatus,
} from './client/producer/producer.ts';
export {
  PushConsumer,
  ConsumeResult,
  OrderlyConsumeResult,
} from './client/consumer/push-consumer.ts';
export type { PushConsumerOptions } from './client/consumer/push-consumer.ts';
export type { SubscriptionExpression } from './client/consumer/subscription.ts';
export { LitePullConsumer } from './client/consumer/lite-pull-consumer.ts';
export type { LitePullConsumerOptions } from './client/consumer/lite-pull-consumer.ts';
export {
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateByConfig,
  allocateByConsistentHash,
} from './client/consumer/allocate-strategies.ts';
export type { AllocateStrategy } from './client/consumer/allocate-strategies.ts';
export { Admin } from './client/admin/admin.ts';
export type {
  ClusterInfo,
  CreateTopicOptions,
  QueueProgress,
  QueueStats,
} from './client/admin/admin.ts';
export type { BrokerEntry } from './client/admin/admin-broker.ts';
export type { BrokerTarget, SubscriptionGroupSettings } from './client/admin/admin-groups.ts';
export type { SubscriptionGroupConfig } from './protocol/wire-types.ts';
export type {
  QueryByKeyOptions,
  QueueRead,
  ReadMessagesOptions,
} from './client/admin/admin-messages.ts';
export { GroupNotOnlineError } from './client/admin/admin-connections.ts';
export type { ConsumerRunningInfo, ProcessQueueInfo } from './client/admin/admin-running-info.ts';
export type {
  ClientConnection,
  ConsumerConnection,
  ConsumerSubscription,
  GroupRole,
} from './client/admin/admin-connections.ts';
export { DeadLetterNotFoundError } from './client/admin/admin-dlq.ts';
export type { DeadLetter, DeadLettersOptions } from './client/admin/admin-dlq.ts';
export type { ResendDeadLetterOptions } from './client/admin/admin-dlq-resend.ts';
export type { ClientOptions } from './client/core/client-instance.ts';
export type { Message, MessageExt } from './client/core/message.ts';
export type { MessageQueue, TopicRoute } from './client/core/route.ts';
export {
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
} from './client/core/errors.ts';
export { ThrustMQError } from './protocol/thrustmq-error.ts';
export { startBroker } from './broker/coordinator/broker.ts';
export type { Broker, StartBrokerOptions } from './broker/coordinator/broker.ts';
export type { BrokerConfig } from './broker/broker-config.ts';
export { startNameServer } from './namesrv/name-server.ts';
export type { NameServer, StartNameServerOptions } from './namesrv/name-server.ts';
