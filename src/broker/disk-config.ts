/**
 * The broker keys of full-disk handling (part of BROKER_CONFIG_SCHEMA): when writes are refused
 * and whether a full disk may delete unexpired segments. diskMaxUsedSpaceRatio (early
 * retention) stays with the other retention keys.
 */
import type { Schema } from '../common/config-schema.ts';

export const DISK_CONFIG_SCHEMA = {
  diskSpaceWarningLevelRatio: {
    type: 'int',
    default: 90,
    min: 10,
    max: 100,
    doc: 'Disk use (%) above which sends are refused (SERVICE_NOT_AVAILABLE, disk full) until it falls back; pulls go on.',
  },
  cleanFileForciblyEnable: {
    type: 'bool',
    default: true,
    doc: 'Past 85% disk use, delete the oldest segments even before fileReservedTime.',
  },
  diskCheckInterval: {
    type: 'int',
    default: 1000,
    min: 10,
    max: 600_000,
    doc: 'How often (ms) disk use is read and a write refused for lack of space is retried.',
  },
} as const satisfies Schema;
