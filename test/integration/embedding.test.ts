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

  it('starts a broker from `node --input-type=module -e` (worker threads drop that flag)', () => {
    const script = [
      "import { startBroker, startNameServer } from 'thrustmq';",
      "import { mkdtempSync, rmSync } from 'node:fs';",
      "import { pino } from 'pino';",
      "const logger = pino({ level: 'silent' });",
      "const dir = mkdtempSync('/tmp/tmq-eval-');",
      'const ns = await startNameServer({ listenPort: 0, listenHost: "127.0.0.1", logger });',
      'const broker = await startBroker({ namesrvAddr: ns.address, storePathRootDir: dir, listenPort: 0, listenHost: "127.0.0.1", brokerIP1: "127.0.0.1", logger });',
      "console.log('started', broker.context.actors.actorCount);",
      'await broker.close();',
      'await ns.close();',
      'rmSync(dir, { recursive: true, force: true });',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('started 1\n');
    expect(result.status).toBe(0);
  });
});
