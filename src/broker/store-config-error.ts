/**
 * A store that refuses to open because of its options (INVALID_OPTION) or because the data
 * directory was made with other ones (LAYOUT_MISMATCH) is a configuration error: this maps the
 * store's option to the broker key an operator sets, so the broker can say which key to fix.
 * The error may have crossed from an actor thread: only its fields (code, option, existing) are
 * read, never its class.
 */
import { ConfigErrorCode } from '../common/config-error-codes.ts';
import { ConfigError } from '../common/config-schema.ts';
import { StoreErrorCode } from '../../native-free-store/index.ts';
import type { BrokerConfig } from './broker-config.ts';

/** StoreOptions field → the broker key it is made from. */
const BROKER_KEY_OF_STORE_OPTION: Readonly<Record<string, keyof BrokerConfig>> = {
  directory: 'storePathRootDir',
  segmentSizeBytes: 'mappedFileSizeCommitLog',
  consumeQueueEntriesPerFile: 'mapedFileSizeConsumeQueue',
  flushDiskType: 'flushDiskType',
  flushIntervalCommitLogMs: 'flushIntervalCommitLog',
  flushIntervalConsumeQueueMs: 'flushIntervalConsumeQueue',
  syncFlushTimeoutMs: 'syncFlushTimeout',
  maxMessageSizeBytes: 'maxMessageSize',
  checkCrcOnRecover: 'checkCRCOnRecover',
  storeHost: 'brokerIP1',
  maxHashSlotNum: 'maxHashSlotNum',
  maxIndexNum: 'maxIndexNum',
  messageIndexEnable: 'messageIndexEnable',
  fileReservedTimeHours: 'fileReservedTime',
  deleteWhen: 'deleteWhen',
  diskMaxUsedSpaceRatio: 'diskMaxUsedSpaceRatio',
  delayLevelsMs: 'messageDelayLevel',
};

/** The store's option error as a ConfigError naming the broker key, or undefined if it is not one. */
export function configErrorFromStore(
  error: unknown,
  config: Pick<BrokerConfig, 'storePathRootDir'> & Partial<BrokerConfig>,
): ConfigError | undefined {
  const fields = storeFields(error);
  if (fields === undefined || fields.option === undefined) return undefined;
  const key = BROKER_KEY_OF_STORE_OPTION[fields.option];
  if (key === undefined) return undefined;
  const value = String(config[key] ?? '');
  if (fields.code === StoreErrorCode.LAYOUT_MISMATCH) {
    const was = fields.existing === undefined ? 'other settings' : `${key}=${fields.existing}`;
    return new ConfigError(
      key,
      `invalid value for ${key}: '${value}' (the data directory ${config.storePathRootDir} was created with ${was}; keep that value or use another storePathRootDir)`,
      ConfigErrorCode.LAYOUT_MISMATCH,
    );
  }
  return new ConfigError(
    key,
    `invalid value for ${key}: '${value}' (the store refused it: ${fields.message})`,
    ConfigErrorCode.STORE_REFUSED,
  );
}

interface StoreFields {
  code: string;
  option: string | undefined;
  existing: unknown;
  message: string;
}

/** The store error's fields, on the error itself or on its cause (actor start wraps it). */
function storeFields(error: unknown): StoreFields | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; depth++) {
    const fields = e as Error & Partial<StoreFields>;
    if (
      fields.code === StoreErrorCode.INVALID_OPTION ||
      fields.code === StoreErrorCode.LAYOUT_MISMATCH
    ) {
      return {
        code: fields.code,
        option: typeof fields.option === 'string' ? fields.option : undefined,
        existing: fields.existing,
        message: e.message,
      };
    }
    e = e.cause;
  }
  return undefined;
}
