/**
 * Child processes of the broker benchmark: long-lived servers (broker, echo) started with
 * chosen node flags and awaited until their output says they are ready, and one-shot children
 * (load client, store baseline) that print one JSON line. Every child is stopped by its PID,
 * with a deadline; stopAllChildren() ends whatever is still running.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopByPid } from '../harness/processes.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_OUTPUT_CHARS = 1024 * 1024;
const STOP_GRACE_MS = 15_000;

export interface ServerProcess {
  pid: number;
  match: RegExpMatchArray;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM by PID, SIGKILL after 15 s; resolves once it has exited. Idempotent. */
  stop(): Promise<number | null>;
}

const running = new Map<number, () => Promise<unknown>>();

process.on('exit', () => {
  for (const pid of running.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Stops every child this module started that has not exited yet. */
export async function stopAllChildren(): Promise<void> {
  await Promise.allSettled([...running.values()].map((stop) => stop()));
}

function stopOnce(pid: number, exited: Promise<number | null>, done: () => boolean) {
  let stopping: Promise<number | null> | undefined;
  return (): Promise<number | null> =>
    (stopping ??= stopByPid(pid, 'SIGTERM', exited, done, STOP_GRACE_MS));
}

/** `node <nodeArgs...>` in the repo root, resolved once `ready` matches its output. */
export function startServer(
  nodeArgs: string[],
  options: { ready: RegExp; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ServerProcess> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) return Promise.reject(new Error(`cannot start node ${nodeArgs[0]}`));
  let text = '';
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = stopOnce(pid, exited, () => hasExited);
  running.set(pid, stop);
  void exited.then(() => {
    hasExited = true;
    running.delete(pid);
  });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (text.length > MAX_OUTPUT_CHARS) text = text.slice(text.length - MAX_OUTPUT_CHARS);
      const match = text.match(options.ready);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ pid, match, output: () => text, exited, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(`node ${nodeArgs.join(' ')} not ready in ${options.timeoutMs} ms:\n${text}`),
      );
    }, options.timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${nodeArgs.join(' ')} exited with ${code} before ready:\n${text}`));
    });
  });
}

/** Runs `node <nodeArgs...>` to its exit and parses the last stdout line as JSON. */
export function runJsonChild<T>(nodeArgs: string[], timeoutMs: number): Promise<T> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) return Promise.reject(new Error(`cannot start node ${nodeArgs[0]}`));
  let stdout = '';
  let stderr = '';
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = stopOnce(pid, exited, () => hasExited);
  running.set(pid, stop);
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length < MAX_OUTPUT_CHARS) stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_OUTPUT_CHARS) stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => void stop(), timeoutMs);
  return exited.then((code) => {
    hasExited = true;
    running.delete(pid);
    clearTimeout(timer);
    const what = nodeArgs.find((arg) => arg.endsWith('.ts')) ?? nodeArgs[0];
    if (code !== 0)
      throw new Error(`${what} exited with ${code} (timeout ${timeoutMs} ms): ${stderr.trim()}`);
    const last = stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(last) as T;
    } catch {
      throw new Error(`${what} printed no JSON result: ${stdout.slice(-500)} ${stderr.trim()}`);
    }
  });
}

export interface ThreadCpu {
  /** CPU seconds of the process's main thread (tid = pid). */
  main: number;
  /** CPU seconds of every other thread: actors, libuv pool, V8 helpers. */
  others: number;
}

/** Linux only: per-thread CPU from /proc; zeros where /proc is unreadable. */
export function threadCpu(pid: number): ThreadCpu {
  const result = { main: 0, others: 0 };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // Fields after the ")" that ends the command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
      if (Number(tid) === pid) result.main += seconds;
      else result.others += seconds;
    } catch {
      // the thread ended while we listed them
    }
  }
  return result;
}
