/**
 * The table of every error code, generated from the families' own lists so it cannot drift:
 * `npm run docs:errors` prints it as markdown for the README's block between
 * `<!-- error-codes -->` and `<!-- /error-codes -->`, which a unit test compares with this output.
 */
import { pathToFileURL } from 'node:url';
import { STORE_ERROR_CODES } from '../../native-free-store/index.ts';
import { CONTROL_ERROR_CODES } from '../broker/actor/control-deadlines.ts';
import { RING_ERROR_CODES } from '../ring/index.ts';
import { CLIENT_ERROR_CODES } from '../client/core/errors.ts';
import { CONFIG_ERROR_CODES } from '../common/config-error-codes.ts';
import { SQL92_ERROR_CODES } from '../filter/sql92/index.ts';
import { NAMESRV_ERROR_CODES } from '../namesrv/errors.ts';
import type { ErrorCodeEntry } from '../protocol/thrustmq-error.ts';
import { REMOTING_ERROR_CODES } from '../remoting/index.ts';
import { CLI_ERROR_CODES } from './cli-errors.ts';
import { exitCodeOf } from './exit-codes.ts';

/** Every documented code, family by family in the order the table shows them. */
export const ERROR_CODES: readonly ErrorCodeEntry[] = [
  ...STORE_ERROR_CODES,
  ...RING_ERROR_CODES,
  ...CONTROL_ERROR_CODES,
  ...REMOTING_ERROR_CODES,
  ...NAMESRV_ERROR_CODES,
  ...CONFIG_ERROR_CODES,
  ...SQL92_ERROR_CODES,
  ...CLIENT_ERROR_CODES,
  ...CLI_ERROR_CODES,
];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function errorCodesMarkdown(entries: readonly ErrorCodeEntry[] = ERROR_CODES): string {
  const rows = entries.map(
    (entry) =>
      `| \`${entry.code}\` | ${entry.family} | ${entry.className} | ${cell(entry.meaning)} | ${exitCodeOf(entry.code)} |`,
  );
  return [
    '| code | family | class | meaning | CLI exit code |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(invokedPath).href)
  process.stdout.write(errorCodesMarkdown());
