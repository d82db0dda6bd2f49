/** The name server: routing registry for brokers and clients (protocol/REMOTING.md 10). */
export { startNameServer } from './name-server.ts';
export type { NameServer, StartNameServerOptions } from './name-server.ts';
export {
  defaultNamesrvConfig,
  NAMESRV_CONFIG_TABLE,
  namesrvConfigEntries,
  namesrvConfigFromProperties,
  NamesrvConfigError,
  parseNamesrvConfig,
} from './namesrv-config.ts';
export type { LoadedNamesrvConfig, NameServerConfig } from './namesrv-config.ts';
export { NamesrvError, NamesrvErrorCode } from './errors.ts';
export { RouteInfoManager } from './route-info-manager.ts';
export { KvConfigManager, NAMESPACE_ORDER_TOPIC_CONFIG } from './kv-config-manager.ts';
export { createNamesrvHandlers } from './namesrv-processor.ts';
export type { RouteLimits } from './route-limits.ts';
export type {
  BrokerData,
  ClusterInfo,
  DataVersion,
  QueueData,
  TopicList,
  TopicRouteData,
} from './route-types.ts';
