/**
 * vitest's global setup: brings dist/ up to date before any test runs, because the tests that
 * start processes run the built `dist/bin/thrustmq.js`, as users do, and must never test a stale
 * build. The build is incremental (`tsc -b`, its buildinfo in dist/), so an up-to-date tree
 * costs about a second. Unit tests import the TypeScript sources and do not need it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_TIMEOUT_MS = 300_000;

export function buildDist(): void {
  const result = spawnSync('npm', ['run', '-s', 'build'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  if (result.status === 0) return;
  const why = result.error?.message ?? `exit ${result.status ?? result.signal}`;
  throw new Error(
    `npm run build failed (${why}): the process tests would run ` +
      `a stale dist/bin. Fix the build, then run the tests again.\n${result.stdout}${result.stderr}`,
  );
}

export default function setup(): void {
  buildDist();
}
