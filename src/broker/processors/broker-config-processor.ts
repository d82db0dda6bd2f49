/**
 * UPDATE_BROKER_CONFIG (25, REMOTING.md 11.11): the body is properties text of the keys to
 * change, as mqadmin updateBrokerConfig sends it. Every key is checked against the broker's
 * config schema before any is applied: an unknown key, an invalid value or a key outside the
 * run-time allow-list answers 1 SYSTEM_ERROR with a remark naming it, and nothing changes.
 *
 * Only keys the request processors read on each request are changeable (RUNTIME_KEYS); the
 * rest (ports, store layout, flush, sizes the rings were built for) take effect only at start.
 * Changes live in memory: RocketMQ rewrites its broker.properties, ThrustMQ leaves the
 * operator's file alone, so a restart returns to the file's values, and the remark says so.
 */
import type { Logger } from 'pino';
import type { BrokerConfig } from '../broker-config.ts';
import { BROKER_CONFIG_SCHEMA, BROKER_CONFIG_TABLE } from '../broker-config.ts';
import { closestKey, ConfigError, parseConfig } from '../../common/config-schema.ts';
import { parseProperties } from '../../common/properties.ts';
import type { RequestHandler } from '../../remoting/index.ts';
import { createResponse, RequestCode, ResponseCode } from '../../remoting/index.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';

/** Keys read per request (pull, send, send-back processors), so a change applies at once. */
export const RUNTIME_KEYS: ReadonlySet<keyof BrokerConfig> = new Set<keyof BrokerConfig>([
  'brokerPermission',
  'longPollingEnable',
  'shortPollingTimeMills',
  'maxTransferCountOnMessageInMemory',
  'maxTransferBytesOnMessageInMemory',
]);

const MAX_BODY_BYTES = 64 * 1024;
const MAX_KEYS = 100;

export type ConfigChangeResult =
  { ok: true; changes: Partial<BrokerConfig> } | { ok: false; remark: string };

/** Checks the requested changes; nothing is applied here. */
export function checkConfigChanges(text: string): ConfigChangeResult {
  const requested = [...parseProperties(text)];
  if (requested.length === 0) return { ok: false, remark: 'no config key in the request body' };
  if (requested.length > MAX_KEYS)
    return { ok: false, remark: `at most ${MAX_KEYS} keys per request, got ${requested.length}` };
  const known = Object.keys(BROKER_CONFIG_SCHEMA);
  for (const [key] of requested) {
    if (!Object.hasOwn(BROKER_CONFIG_SCHEMA, key)) {
      const best = closestKey(key, known);
      return {
        ok: false,
        remark: `unknown broker config key ${key}${best === undefined ? '' : `; did you mean ${best}?`}`,
      };
    }
    if (!RUNTIME_KEYS.has(key as keyof BrokerConfig))
      return {
        ok: false,
        remark: `broker config key ${key} cannot be changed at run time (changeable: ${[...RUNTIME_KEYS].join(', ')}); set it in the properties file and restart`,
      };
  }
  try {
    const { config } = parseConfig(BROKER_CONFIG_TABLE, requested);
    const changes: Record<string, unknown> = {};
    for (const [key] of requested) changes[key] = config[key as keyof BrokerConfig];
    return { ok: true, changes: changes as Partial<BrokerConfig> };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, remark: error.message };
    throw error;
  }
}

export function applyConfigChanges(
  config: BrokerConfig,
  changes: Partial<BrokerConfig>,
  logger: Logger,
): void {
  const before: Record<string, unknown> = {};
  for (const key of Object.keys(changes) as Array<keyof BrokerConfig>) before[key] = config[key];
  Object.assign(config, changes);
  logger.info({ before, after: changes }, 'broker config changed at run time (in memory)');
}

export function brokerConfigHandlers(ctx: BrokerContext): Array<[number, RequestHandler]> {
  return [
    [
      RequestCode.UPDATE_BROKER_CONFIG,
      (request) => {
        const body = request.body;
        if (!body || body.length === 0)
          return createResponse(request, ResponseCode.SYSTEM_ERROR, 'the request has no body');
        if (body.length > MAX_BODY_BYTES)
          return createResponse(
            request,
            ResponseCode.SYSTEM_ERROR,
            `the body is larger than ${MAX_BODY_BYTES} bytes`,
          );
        const checked = checkConfigChanges(body.toString('utf8'));
        if (!checked.ok) return createResponse(request, ResponseCode.SYSTEM_ERROR, checked.remark);
        applyConfigChanges(ctx.config, checked.changes, ctx.logger);
        // The name servers' routes carry the broker's permission: tell them before answering.
        let registered = Promise.resolve();
        if ('brokerPermission' in checked.changes) {
          ctx.topics.touch();
          registered = ctx.registered();
        }
        return registered.then(() =>
          createResponse(
            request,
            ResponseCode.SUCCESS,
            'applied in memory; the properties file is unchanged, so a restart reverts it',
          ),
        );
      },
    ],
  ];
}
