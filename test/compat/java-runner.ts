/**
 * One JVM per suite running test/compat/java's Runner: the suite asks it for scenarios by name
 * (see Scenario.java) and gets back what Apache's Java client observed, as JSON. Requests may
 * overlap: each runs on its own thread in the JVM and has its own deadline there and here.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { JAVA_CLIENT_PROJECT, mavenClasspath } from '../harness/build-compat.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

const RESULT_PREFIX = '@@result ';
const READY_TIMEOUT_MS = 60_000;
const DEFAULT_SCENARIO_TIMEOUT_MS = 60_000;
/** Client output kept for failure messages; older text is dropped from the front. */
const MAX_LOG_CHARS = 1024 * 1024;

export interface JavaRunner {
  /** Runs a scenario and resolves with its result; rejects with the Java error or a timeout. */
  run<T = unknown>(scenario: string, args?: object, timeoutMs?: number): Promise<T>;
  /** What the clients printed (stdout and stderr, not the answers). */
  log(): string;
  stop(): Promise<void>;
}

export interface JavaRunnerOptions {
  namesrvAddr: string;
  /** Extra -D system properties for the clients, e.g. a shorter rebalance interval. */
  systemProperties?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  scenario: string;
}

const live = new Set<ChildProcessWithoutNullStreams>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startJavaRunner(options: JavaRunnerOptions): Promise<JavaRunner> {
  const home = makeTempDir('java-client');
  const properties: Record<string, string> = {
    'user.home': home.path,
    'rocketmq.client.logRoot': join(home.path, 'logs'),
    'rocketmq.client.logLevel': 'WARN',
    // Apache's default is 20 s; the broker's NOTIFY_CONSUMER_IDS_CHANGED still triggers at once.
    'rocketmq.client.rebalance.waitInterval': '2000',
    ...options.systemProperties,
  };
  const argv = [
    '-Xms64m',
    '-Xmx256m',
    ...Object.entries(properties).map(([key, value]) => `-D${key}=${value}`),
    '-cp',
    mavenClasspath(JAVA_CLIENT_PROJECT),
    'io.thrustmq.compat.Runner',
    options.namesrvAddr,
  ];
  const child = spawn('java', argv, {
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let log = '';
  const append = (text: string): void => {
    log += text;
    if (log.length > MAX_LOG_CHARS) log = log.slice(log.length - MAX_LOG_CHARS);
  };
  child.stderr.on('data', (chunk: Buffer) => append(chunk.toString('utf8')));
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      for (const [, call] of pending) {
        clearTimeout(call.timer);
        call.reject(
          new Error(`Java runner exited (${code ?? signal}) during ${call.scenario}\n${log}`),
        );
      }
      pending.clear();
      home.remove();
      resolve();
    });
  });
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith(RESULT_PREFIX)) {
      append(`${line}\n`);
      return;
    }
    const answer = JSON.parse(line.slice(RESULT_PREFIX.length)) as {
      id: number;
      ok: boolean;
      result?: unknown;
      error?: string;
    };
    if (answer.id === 0) {
      markReady();
      return;
    }
    const call = pending.get(answer.id);
    if (call === undefined) return;
    pending.delete(answer.id);
    clearTimeout(call.timer);
    if (answer.ok) call.resolve(answer.result);
    else call.reject(new Error(`${call.scenario}: ${answer.error ?? 'failed'}`));
  });
  let readyTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    ready,
    exit.then(() => {
      throw new Error(`Java runner exited before ready:\n${log}`);
    }),
    new Promise((_, reject) => {
      readyTimer = setTimeout(
        () => reject(new Error(`Java runner not ready in ${READY_TIMEOUT_MS} ms:\n${log}`)),
        READY_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(readyTimer));

  return {
    run<T>(scenario: string, args: object = {}, timeoutMs = DEFAULT_SCENARIO_TIMEOUT_MS) {
      if (exited) return Promise.reject(new Error(`Java runner has exited:\n${log}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        // The JVM enforces the deadline and answers; this one covers a JVM that cannot.
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${scenario}: no answer within ${timeoutMs + 5_000} ms`));
        }, timeoutMs + 5_000);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer, scenario });
        child.stdin.write(`${JSON.stringify({ id, scenario, args, timeoutMs })}\n`);
      });
    },
    log: () => log,
    async stop() {
      if (exited) return;
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(killer);
    },
  };
}
