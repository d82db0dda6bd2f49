/**
 * ThrustMQ's public API: the client SDK (Producer, PushConsumer, LitePullConsumer, Admin) for
 * ThrustMQ or any RocketMQ broker, and the embedding API that runs a name server and a broker
 * inside an application's process with the same options as their properties files.
 */
export { Producer, selectByHash } from './client/producer.ts';
export type {
  BatchSendOptions,
  ProducerOptions,
  QueueSelector,
  SendOptions,
  SendResult,
  SendStatus,
} from './client/producer.ts';
export { PushConsumer, ConsumeResult, OrderlyConsumeResult } from './client/push-consumer.ts';
export type { PushConsumerOptions } from './client/push-consumer.ts';
export type { SubscriptionExpression } from './client/subscription.ts';
export { LitePullConsumer } from './client/lite-pull-consumer.ts';
export type { LitePullConsumerOptions } from './client/lite-pull-consumer.ts';
export {
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateByConfig,
  allocateByConsistentHash,
} from './client/allocate-strategies.ts';
export type { AllocateStrategy } from './client/allocate-strategies.ts';
export { Admin } from './client/admin.ts';
export type { ClusterInfo, CreateTopicOptions, QueueProgress, QueueStats } from './client/admin.ts';
export type { BrokerEntry } from './client/admin-broker.ts';
export type {
  BrokerTarget,
  SubscriptionGroupConfig,
  SubscriptionGroupSettings,
} from './client/admin-groups.ts';
export type { QueryByKeyOptions, QueueRead, ReadMessagesOptions } from './client/admin-messages.ts';
export { GroupNotOnlineError } from './client/admin-connections.ts';
export type { ConsumerRunningInfo, ProcessQueueInfo } from './client/admin-running-info.ts';
export type {
  ClientConnection,
  ConsumerConnection,
  ConsumerSubscription,
  GroupRole,
} from './client/admin-connections.ts';
export { DeadLetterNotFoundError } from './client/admin-dlq.ts';
export type { DeadLetter, DeadLettersOptions } from './client/admin-dlq.ts';
export type { ResendDeadLetterOptions } from './client/admin-dlq-resend.ts';
export type { ClientOptions } from './client/client-instance.ts';
export type { Message, MessageExt } from './client/message.ts';
export type { MessageQueue, TopicRoute } from './client/route.ts';
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
} from './client/errors.ts';
export { startBroker } from './broker/coordinator/broker.ts';
export type { Broker, StartBrokerOptions } from './broker/coordinator/broker.ts';
export type { BrokerConfig } from './broker/broker-config.ts';
export { startNameServer } from './namesrv/name-server.ts';
export type { NameServer, StartNameServerOptions } from './namesrv/name-server.ts';
