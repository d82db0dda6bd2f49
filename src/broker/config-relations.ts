/**
 * Checks of a whole broker config: every key's value (ranges, patterns, the richer checks of
 * broker-key-checks.ts) and the relations BROKER_CONFIG_TABLE declares (segment size against
 * maxMessageSize, brokerId against brokerRole, min <= max pairs). Run at load and by
 * startBroker, so that a mistake is a ConfigError naming the broker keys, not a failure deep in
 * the store naming its option.
 */
import { checkConfig } from '../common/config-schema.ts';
import type { BrokerConfig } from './broker-config.ts';
import { BROKER_CONFIG_TABLE } from './broker-config.ts';

export { minimumSegmentSize } from './broker-key-checks.ts';

/** Throws a ConfigError naming the first key whose value does not fit; returns otherwise. */
export function checkBrokerConfigRelations(config: BrokerConfig): void {
  checkConfig(BROKER_CONFIG_TABLE, config);
}
