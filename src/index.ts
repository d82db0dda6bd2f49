/**
 * ThrustMQ's public API for embedding: run a name server and a broker inside an application's
 * process, with the same options as their properties files.
 */
export { startBroker } from './broker/broker.ts';
export type { Broker, StartBrokerOptions } from './broker/broker.ts';
export type { BrokerConfig } from './broker/broker-config.ts';
export { startNameServer } from './namesrv/name-server.ts';
export type { NameServer, StartNameServerOptions } from './namesrv/name-server.ts';
