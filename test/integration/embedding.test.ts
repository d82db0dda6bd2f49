import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/embedding-app.mjs', import.meta.url));

describe('embedding - the package root exports the SDK, startNameServer and startBroker', () => {
  it('runs a name server, a broker, a producer and a consumer in one application process', () => {
    const result = spawnSync(process.execPath, [APP], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^broker 127\.0\.0\.1:\d+\nreceived hello from the app true\nclosed\n$/,
    );
    expect(result.status).toBe(0);
  });
});
