/**
 * The data directory's fixed layout: the number of store shards is chosen when the directory
 * is created and kept in config/layout.json, because queues live in their shard for life.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { readConfigFile, writeConfigFileSync } from './metadata/config-file.ts';

export function fixedStoreShards(configDirectory: string, wanted: number, logger: Logger): number {
  const path = join(configDirectory, 'layout.json');
  const text = readConfigFile(path);
  if (text !== undefined) {
    const stored = Number((JSON.parse(text) as { storeShards?: unknown }).storeShards);
    if (Number.isInteger(stored) && stored > 0) {
      if (stored !== wanted) {
        logger.warn(
          { configured: wanted, kept: stored },
          'storeShards is fixed when the data directory is created; keeping the stored value',
        );
      }
      return stored;
    }
  }
  writeConfigFileSync(
    path,
    JSON.stringify({ storeShards: wanted, createdAt: new Date().toISOString() }),
  );
  return wanted;
}
