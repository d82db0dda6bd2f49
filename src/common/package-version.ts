/**
 * The version in thrustmq's package.json, read once. The file sits two folders above this
 * module in the sources (src/common/) and three in the build (dist/src/common/), in a clone and
 * in an installed package alike.
 */
import { readFileSync } from 'node:fs';

let version: string | undefined;

export function packageVersion(): string {
  const up = import.meta.url.endsWith('.ts') ? '../../' : '../../../';
  version ??= (
    JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}
