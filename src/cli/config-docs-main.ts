/**
 * `npm run docs:config`: prints the README's key lists (broker, then name server), each between
 * its `<!-- config-keys:... -->` markers, generated from the daemons' key tables.
 * test/unit/common/config-docs.test.ts fails when README.md holds another text.
 */
import { pathToFileURL } from 'node:url';
import { BROKER_CONFIG_TABLE } from '../broker/broker-config.ts';
import { markdownBlock } from '../common/config-docs.ts';
import { NAMESRV_CONFIG_TABLE } from '../namesrv/namesrv-config.ts';

export const DOCUMENTED_TABLES = [BROKER_CONFIG_TABLE, NAMESRV_CONFIG_TABLE] as const;

export function configDocsMarkdown(): string {
  return DOCUMENTED_TABLES.map((table) => markdownBlock(table)).join('\n');
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href)
  process.stdout.write(configDocsMarkdown());
