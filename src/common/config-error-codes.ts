/**
 * The codes of the config family: ConfigError (config-schema.ts) for broker keys,
 * NamesrvConfigError for name-server keys, PropertiesError for the properties file itself. In a
 * file of their own so the classes' modules, which another table drives, stay as they are.
 */
import type { ErrorCodeEntry } from '../protocol/thrustmq-error.ts';
import { errorCodeEntries } from '../protocol/thrustmq-error.ts';

export const ConfigErrorCode = {
  INVALID_VALUE: 'CONFIG_INVALID_VALUE',
  STORE_REFUSED: 'CONFIG_STORE_REFUSED',
  LAYOUT_MISMATCH: 'CONFIG_LAYOUT_MISMATCH',
  NAMESRV_INVALID_VALUE: 'CONFIG_NAMESRV_INVALID_VALUE',
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

export const PropertiesErrorCode = {
  UNREADABLE: 'CONFIG_PROPERTIES_UNREADABLE',
  TOO_LARGE: 'CONFIG_PROPERTIES_TOO_LARGE',
} as const;
export type PropertiesErrorCode = (typeof PropertiesErrorCode)[keyof typeof PropertiesErrorCode];

export const CONFIG_ERROR_CODES: readonly ErrorCodeEntry[] = [
  ...errorCodeEntries<Exclude<ConfigErrorCode, 'CONFIG_NAMESRV_INVALID_VALUE'>>(
    'config',
    'ConfigError',
    {
      CONFIG_INVALID_VALUE:
        'a broker key has an invalid value, alone or with another key (`key` names it)',
      CONFIG_STORE_REFUSED: 'the store refused the value a broker key gave it (`key` names it)',
      CONFIG_LAYOUT_MISMATCH:
        'the data directory was created with another value of this key (`key` names it)',
    },
  ),
  ...errorCodeEntries<'CONFIG_NAMESRV_INVALID_VALUE'>('config', 'NamesrvConfigError', {
    CONFIG_NAMESRV_INVALID_VALUE: 'a name-server key has an invalid value (`key` names it)',
  }),
  ...errorCodeEntries<PropertiesErrorCode>('config', 'PropertiesError', {
    CONFIG_PROPERTIES_UNREADABLE: 'the properties file (-c) cannot be read',
    CONFIG_PROPERTIES_TOO_LARGE: 'the properties file (-c) is larger than 1 MiB',
  }),
];
