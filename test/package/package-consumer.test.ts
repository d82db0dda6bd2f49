/**
 * ThrustMQ as a Node team meets it: `npm pack` the repo, install the tarball into a fresh
 * project (`npm ci --offline`: the dependencies are in the npm cache after the repo's `npm ci`,
 * pinned by a lockfile made from the repo's), compile a strict
 * NodeNext TypeScript app that uses the SDK, startBroker and the error classes with the repo's
 * tsc (0 errors), then run it: an embedded name server and broker, a send, a consume, a stop.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../harness/temp-dir.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const NPM_TIMEOUT_MS = 90_000;
const APP_TIMEOUT_MS = 60_000;

const APP_TS = `
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClientClosedError,
  MQClientError,
  NoRouteError,
  Producer,
  PushConsumer,
  TimeoutError,
  startBroker,
  startNameServer,
} from 'thrustmq';
import type { MessageExt, SendResult } from 'thrustmq';

// Every step has a deadline: a hang fails the run instead of stalling it.
const deadline = setTimeout(() => {
  console.error('deadline: the app did not finish within 45 s');
  process.exit(2);
}, 45_000);

function kind(error: unknown): string {
  if (error instanceof ClientClosedError) return 'closed';
  if (error instanceof NoRouteError || error instanceof TimeoutError) return 'unreachable';
  if (error instanceof MQClientError) return \`client error \${error.code}\`;
  return 'other';
}

const dir = mkdtempSync(join(tmpdir(), 'thrustmq-consumer-app-'));
try {
  const namesrv = await startNameServer({
    listenHost: '127.0.0.1',
    listenPort: 0,
    kvConfigPath: join(dir, 'kv.json'),
  });
  const broker = await startBroker({
    listenHost: '127.0.0.1',
    listenPort: 0,
    brokerIP1: '127.0.0.1',
    storePathRootDir: dir,
    namesrvAddr: namesrv.address,
    actorThreads: 1,
    storeShards: 1,
    mappedFileSizeCommitLog: 16 << 20,
    autoCreateTopicEnable: true,
  });
  const producer = new Producer({ group: 'app-producer', namesrvAddr: namesrv.address });
  await producer.start();
  const sent: SendResult = await producer.send({ topic: 'AppTopic', body: 'hello', tags: 'T' });
  const consumer = new PushConsumer({ group: 'app-consumer', namesrvAddr: namesrv.address });
  consumer.subscribe('AppTopic', 'T');
  const received = new Promise<MessageExt>((resolve) => {
    consumer.onMessage((messages) => {
      resolve(messages[0]!);
      return 'CONSUME_SUCCESS';
    });
  });
  await consumer.start();
  const message = await received;
  console.log(\`received \${message.body.toString()} \${message.msgId === sent.msgId}\`);
  await consumer.shutdown();
  await producer.shutdown();
  const afterShutdown = await producer.send({ topic: 'AppTopic', body: 'late' }).then(
    () => 'sent',
    (error: unknown) => kind(error),
  );
  console.log(\`after shutdown: \${afterShutdown}\`);
  await broker.close();
  await namesrv.close();
  console.log('stopped');
} finally {
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(deadline);
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    outDir: 'out',
  },
  include: ['app.ts'],
};

function run(
  command: string,
  args: string[],
  cwd: string,
  timeout: number,
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return result;
}

const output = (result: SpawnSyncReturns<string>): string => `${result.stdout}${result.stderr}`;

interface LockEntry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [field: string]: unknown;
}
type LockPackages = Record<string, LockEntry>;

/** The lock key `name` resolves to from the package at `from`, as Node looks it up. */
function lockKeyOf(packages: LockPackages, from: string, name: string): string | undefined {
  let base = from;
  for (let depth = 0; depth < 64; depth++) {
    const key = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[key] !== undefined) return key;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
  return undefined;
}

/** The repo's lock entries that `names` (resolved from the root) need, with what they need. */
function lockClosure(packages: LockPackages, names: string[], dev: boolean): LockPackages {
  const kept: LockPackages = {};
  const queue = names.map((name) => ({ from: '', name, optional: false }));
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const { from, name, optional } = queue[i]!;
    const key = lockKeyOf(packages, from, name);
    if (key === undefined) {
      if (optional) continue;
      throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
    }
    if (kept[key] !== undefined) continue;
    const entry = { ...packages[key]! };
    if (dev) entry.dev = true;
    else delete entry.dev;
    kept[key] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {}))
      queue.push({ from: key, name: dep, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {}))
      queue.push({ from: key, name: dep, optional: true });
  }
  return kept;
}

/**
 * package.json and package-lock.json of a fresh app depending on the tarball, pinned to the
 * versions the repo's lockfile installed: `npm ci --offline` then needs only the tarballs that
 * the repo's own `npm ci` put in the npm cache (npm caches no registry metadata for a lockfile
 * install, so a plain `npm install --offline <tarball>` could not resolve the ranges).
 */
function consumerProject(tarball: string): { manifest: object; lock: object } {
  const repoLock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: LockPackages;
  };
  const root = repoLock.packages['']!;
  const dependencies = { thrustmq: `file:${tarball}` };
  const devDependencies = {
    '@types/node': (root['devDependencies'] as Record<string, string>)['@types/node']!,
  };
  const runtime = lockClosure(
    repoLock.packages,
    [...Object.keys(root.dependencies ?? {}), ...Object.keys(root.optionalDependencies ?? {})],
    false,
  );
  const types = lockClosure(repoLock.packages, ['@types/node'], true);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const manifest = {
    name: 'consumer-app',
    private: true,
    type: 'module',
    dependencies,
    devDependencies,
  };
  const lock = {
    name: 'consumer-app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'consumer-app', dependencies, devDependencies },
      'node_modules/thrustmq': {
        version: root.version,
        resolved: `file:${tarball}`,
        integrity,
        license: root['license'],
        dependencies: root.dependencies,
        bin: root['bin'],
        engines: root['engines'],
      },
      ...types,
      ...runtime,
    },
  };
  return { manifest, lock };
}

const work = makeTempDir('package');
afterAll(() => work.remove());

describe('package - thrustmq installed from its tarball into a strict TypeScript app', () => {
  it('packs only the build, compiles with 0 errors and runs a broker, a send and a consume', () => {
    // npm pack runs `prepare` (the incremental build); npm_config_* from a parent npm run must
    // not leak into the new project (e.g. a dry-run flag).
    const npmEnv = { npm_config_dry_run: 'false', npm_config_yes: 'false' };
    const packed = run(
      'npm',
      ['pack', '--json', '--pack-destination', work.path],
      REPO_ROOT,
      NPM_TIMEOUT_MS,
      npmEnv,
    );
    expect(packed.status, output(packed)).toBe(0);
    const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const paths = report[0]!.files.map((file) => file.path);
    expect(paths.filter((path) => /^(test|\.ci|src|bin|workers|scratch)\//.test(path))).toEqual([]);
    for (const path of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/bin/thrustmq.js',
      'dist/workers/queue-actor.js',
      'dist/workers/filter-task.js',
      'package.json',
      'README.md',
    ])
      expect(paths).toContain(path);

    const app = join(work.path, 'app');
    mkdirSync(app);
    const { manifest, lock } = consumerProject(join(work.path, report[0]!.filename));
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const installed = run(
      'npm',
      ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      app,
      NPM_TIMEOUT_MS,
      npmEnv,
    );
    expect(installed.status, output(installed)).toBe(0);
    // The build runs without the TypeScript loader: tsx (and esbuild) are not installed.
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);

    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(app, 'app.ts'), APP_TS);
    const compiled = run(process.execPath, [TSC, '-p', 'tsconfig.json'], app, NPM_TIMEOUT_MS);
    expect(output(compiled)).toBe('');
    expect(compiled.status).toBe(0);
    // The declarations are real types, not `any`: a wrong option type is an error.
    writeFileSync(
      join(app, 'wrong.ts'),
      "import { Producer } from 'thrustmq';\nexport const producer = new Producer({ group: 1 });\n",
    );
    writeFileSync(
      join(app, 'tsconfig.wrong.json'),
      JSON.stringify({ extends: './tsconfig.json', include: ['wrong.ts'] }),
    );
    const wrong = run(
      process.execPath,
      [TSC, '-p', 'tsconfig.wrong.json', '--noEmit'],
      app,
      NPM_TIMEOUT_MS,
    );
    expect(wrong.stdout).toMatch(
      /^wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable/,
    );
    expect(wrong.status).not.toBe(0);

    const ran = run(process.execPath, ['out/app.js'], app, APP_TIMEOUT_MS, { LOG_LEVEL: 'warn' });
    expect(ran.stdout, ran.stderr).toBe('received hello true\nafter shutdown: closed\nstopped\n');
    expect(ran.status, output(ran)).toBe(0);
  });
});
