/**
 * Starts real `thrustmq` processes (`node dist/bin/thrustmq.js ...`: the build, as users run
 * it; vitest's global setup builds it first) for integration tests, waits until their output
 * says they are ready, and stops them by PID.
 * Every process started here is tracked: call stopAll() in afterEach/afterAll. If the test
 * worker exits with processes still running, they are SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProperties } from '../../src/common/properties.ts';
import { makeTempDir } from './temp-dir.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN_DIR = join(REPO_ROOT, 'dist', 'bin');
const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** stop() sends SIGKILL when the process outlives its signal by this long. */
const STOP_GRACE_MS = 10_000;
/** Output kept per process; older text is dropped from the front. */
const MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

let testHome: { path: string; remove: () => void } | undefined;
/**
 * The environment of a child: THRUSTMQ_HOME defaults to one temp directory per test worker, so
 * daemons register in its run directory and name servers keep their KV config there, not in
 * the user's home. A test's own env (even THRUSTMQ_HOME: '') wins.
 */
function childEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const inherited = process.env['THRUSTMQ_HOME'];
  if (inherited) return { ...process.env, ...env };
  testHome ??= makeTempDir('home');
  return { ...process.env, THRUSTMQ_HOME: testHome.path, ...env };
}

export interface ThrustmqProcess {
  pid: number;
  /** The ready pattern's match. */
  match: RegExpMatchArray;
  /** stdout and stderr so far, interleaved as they arrived (the last 4 MiB). */
  output(): string;
  /** Exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  /** Signals by PID (default SIGTERM), waits for exit; SIGKILL after 10 s. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Matched against the output; the process is ready once it matches. */
  ready: RegExp;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default 30 s; on timeout the process is killed and the promise rejects. */
  timeoutMs?: number;
  /** Runs once the process has exited, however it ended (e.g. removes its temp dir). */
  afterExit?: () => void;
  /** Another command of bin/ instead of thrustmq, e.g. 'mqnamesrv'. */
  bin?: string;
}

const running = new Set<ThrustmqProcess>();

process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  testHome?.remove();
});

/** The built script of a bin/ command; a clear error when the build is missing. */
export function builtBin(name = 'thrustmq'): string {
  const path = join(BIN_DIR, `${name}.js`);
  if (!existsSync(path))
    throw new Error(`${path} is missing: run \`npm run build\` (vitest's global setup does)`);
  return path;
}

export function spawnThrustmq(args: string[], options: SpawnOptions): Promise<ThrustmqProcess> {
  return spawnTracked(
    process.execPath,
    [builtBin(options.bin), ...args],
    options,
    `thrustmq ${args.join(' ')}`,
  );
}

/**
 * Any program (a JVM running Apache RocketMQ, say), started, tracked and stopped like a
 * thrustmq process: ready once its output matches, SIGKILLed if the test worker exits first.
 */
export function spawnTracked(
  file: string,
  argv: string[],
  options: SpawnOptions,
  label = `${file} ${argv.join(' ')}`,
): Promise<ThrustmqProcess> {
  const child = spawn(file, argv, {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const append = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    if (text.length > MAX_OUTPUT_CHARS) text = text.slice(text.length - MAX_OUTPUT_CHARS);
  };
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  const pid = child.pid;
  if (pid === undefined) {
    return new Promise((_, reject) => {
      child.once('error', (error) => reject(new Error(`cannot start ${label}: ${error.message}`)));
    });
  }

  let stopping: Promise<number | null> | undefined;
  let hasExited = false;
  const handle: ThrustmqProcess = {
    pid,
    match: [] as unknown as RegExpMatchArray,
    output: () => text,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
      stopping ??= stopByPid(pid, signal, exited, () => hasExited);
      return stopping;
    },
  };
  running.add(handle);
  void exited.then(() => {
    hasExited = true;
    running.delete(handle);
    options.afterExit?.();
  });

  return new Promise<ThrustmqProcess>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, match?: RegExpMatchArray): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      if (error !== undefined) {
        reject(error);
        return;
      }
      handle.match = match!;
      resolve(handle);
    };
    const onData = (): void => {
      const match = text.match(options.ready);
      if (match !== null) settle(undefined, match);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const timer = setTimeout(() => {
      void handle.stop('SIGKILL');
      settle(
        new Error(
          `${label} not ready within ${timeoutMs} ms (waiting for ${options.ready}); output:\n${text}`,
        ),
      );
    }, timeoutMs);
    void exited.then((code) =>
      settle(new Error(`${label} exited with ${code} before ready; output:\n${text}`)),
    );
  });
}

/** Signals pid, waits for exited, and SIGKILLs it when it outlives the grace period. */
export async function stopByPid(
  pid: number,
  signal: NodeJS.Signals,
  exited: Promise<number | null>,
  hasExited: () => boolean,
  graceMs = STOP_GRACE_MS,
): Promise<number | null> {
  if (hasExited()) return exited;
  try {
    process.kill(pid, signal);
  } catch {
    return exited;
  }
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });
  const first = await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  if (first !== 'timeout') return first;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited in between
  }
  return exited;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a short-lived `thrustmq` command (`namesrv -p`, a bad config, an admin subcommand) to
 * its exit; SIGKILLed after timeoutMs (default 30 s). Output is capped at 4 MiB per stream.
 */
export function runThrustmq(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    timeoutMs?: number;
    /** Another command of bin/ instead of thrustmq, e.g. 'mqshutdown'. */
    bin?: string;
  } = {},
): Promise<CommandResult> {
  const bin = builtBin(options.bin);
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length < MAX_OUTPUT_CHARS) stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_OUTPUT_CHARS) stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Stops every process this harness started and has not seen exit. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

export interface NameServerProcess extends ThrustmqProcess {
  port: number;
  /** "127.0.0.1:port". */
  address: string;
  /** Temp directory holding namesrv.properties and kvConfig.json; removed once it exits. */
  dir: string;
  kvConfigPath: string;
}

export const NAMESRV_READY =
  /The Name Server boot success\. serializeType=JSON, address=(\S+):(\d+)\n/;

/**
 * `thrustmq namesrv -c <temp>/namesrv.properties` on 127.0.0.1 and a port it picks itself;
 * properties are added to (or override) listenPort=0, listenHost=127.0.0.1 and a temp
 * kvConfigPath.
 */
export async function startNameServerProcess(
  options: { properties?: Record<string, string>; env?: NodeJS.ProcessEnv } = {},
): Promise<NameServerProcess> {
  const dir = makeTempDir('namesrv');
  const kvConfigPath = join(dir.path, 'kvConfig.json');
  const properties: Record<string, string> = {
    listenPort: '0',
    listenHost: '127.0.0.1',
    kvConfigPath,
    ...options.properties,
  };
  const file = join(dir.path, 'namesrv.properties');
  writeFileSync(file, formatProperties(Object.entries(properties)));
  const child = await spawnThrustmq(['namesrv', '-c', file], {
    ready: NAMESRV_READY,
    env: options.env,
    afterExit: () => dir.remove(),
  });
  const port = Number(child.match[2]);
  return Object.assign(child, {
    port,
    address: `127.0.0.1:${port}`,
    dir: dir.path,
    kvConfigPath: properties.kvConfigPath!,
  });
}
