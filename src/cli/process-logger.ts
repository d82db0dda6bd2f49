/**
 * The root logger of a `thrustmq` daemon (namesrv, broker, start). One JSON copy of every line
 * goes to rotating files under `<dir>/logs/` (`<name>.log.1`, `.2`, … of at most 16 MiB, the
 * newest LOG_FILES_KEPT kept, `current.log` a symlink to the newest); stderr gets the same lines,
 * pretty-printed when it is a terminal and as JSON otherwise (scripts and tests read that).
 *
 * File writes are asynchronous: a SIGKILL may lose the last lines of the file, never the stdout
 * boot line, which is written separately. close() flushes before the process exits.
 *
 * The file joins once the daemon serves (attachFile): loading the rotation library costs the
 * main thread ~180 ms, which would otherwise delay spawning the queue actors and so every
 * restart after a crash. Lines logged before that are held (bounded) and written first.
 *
 * A full disk never takes the process down: a failed file write is counted and its lines stay
 * buffered (retried with the next line), up to LOG_BUFFER_MAX_BYTES; lines past that are dropped
 * and counted (common/log-loss.ts, thrustmq_log_lines_dropped_total). stderr keeps every line.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { UsageError, UsageErrorCode } from './cli-errors.ts';
import { countDroppedLogLine, countLogWriteError } from '../common/log-loss.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LOG_FILE_SIZE = '16m';
/** Files kept besides the one being written: 10 at most, 160 MiB. */
const LOG_FILES_KEPT = 9;
const CLOSE_TIMEOUT_MS = 2000;
/** Lines buffered for a file that cannot be written; beyond this they are dropped. */
const LOG_BUFFER_MAX_BYTES = 4 * 1024 * 1024;

export interface ProcessLoggerOptions {
  /** File base name and the `name` field: 'broker', 'namesrv' or 'thrustmq'. */
  name: string;
  /** Directory that gets a `logs/` folder; undefined logs to stderr only. */
  homeDir: string | undefined;
  level: LogLevel;
}

export interface ProcessLogger {
  logger: Logger;
  /** `logs/current.log`, the link to the file being written; undefined when logging to stderr only. */
  logFile: string | undefined;
  /**
   * Opens the log file and writes the lines held until now; resolves with why file logging is
   * off when it cannot be (for the caller to log once), else undefined. Idempotent.
   */
  attachFile(): Promise<string | undefined>;
  /** Attaches the file if not yet done, then flushes and closes it; bounded. */
  close(): Promise<void>;
}

/** Holds a file's lines until the file is open, then forwards to it. */
class PendingFile {
  private lines: string[] = [];
  private bytes = 0;
  private target: DestinationStream | undefined;
  private dropping = false;

  write(line: string): boolean {
    if (this.target !== undefined) {
      this.target.write(line);
      return true;
    }
    if (this.dropping) return true;
    if (this.bytes + line.length > LOG_BUFFER_MAX_BYTES) {
      countDroppedLogLine();
      return true;
    }
    this.lines.push(line);
    this.bytes += line.length;
    return true;
  }

  /** Writes the held lines to `target` and forwards from now on. */
  attach(target: DestinationStream): void {
    const lines = this.lines;
    this.lines = [];
    this.bytes = 0;
    for (const line of lines) target.write(line);
    this.target = target;
  }

  /** The file will never open: what was held is lost to it (stderr has every line). */
  abandon(): void {
    this.lines = [];
    this.bytes = 0;
    this.dropping = true;
  }
}

interface RollStream extends DestinationStream {
  end(): void;
  flushSync(): void;
  once(event: 'close', listener: () => void): unknown;
  on(event: 'error' | 'drop', listener: () => void): unknown;
}

type RollBuild = (options: {
  file: string;
  size: string;
  mkdir: boolean;
  symlink: boolean;
  limit: { count: number; removeOtherLogFiles: boolean };
  /** sonic-boom: buffered bytes beyond which a write is dropped (emits 'drop'). */
  maxLength: number;
}) => Promise<RollStream>;

export class LogLevelError extends UsageError {
  override readonly name = 'LogLevelError';

  constructor(message: string) {
    super(message, UsageErrorCode.LOG_LEVEL);
  }
}

/** --log-level wins over LOG_LEVEL, which wins over info; an unknown level is an error. */
export function resolveLogLevel(flag: string | undefined, env = process.env): LogLevel {
  // An empty LOG_LEVEL (`LOG_LEVEL= thrustmq broker`) means unset, as shells intend it.
  const chosen = flag ?? (env['LOG_LEVEL']?.trim() || 'info');
  const level = LOG_LEVELS.find((candidate) => candidate === chosen.trim().toLowerCase());
  if (level === undefined) {
    const source = flag !== undefined ? '--log-level' : 'LOG_LEVEL';
    throw new LogLevelError(`invalid ${source}: '${chosen}' (allowed: ${LOG_LEVELS.join(', ')})`);
  }
  return level;
}

export async function createProcessLogger(options: ProcessLoggerOptions): Promise<ProcessLogger> {
  // `name`, not `component`: children bind their own component.
  const base = { pid: process.pid, name: options.name };
  if (options.level === 'silent') {
    return {
      logger: pino({ level: 'silent', base }),
      logFile: undefined,
      attachFile: () => Promise.resolve(undefined),
      close: async () => {},
    };
  }
  const streams: pino.StreamEntry[] = [{ level: options.level, stream: await stderrStream() }];
  const homeDir = options.homeDir;
  if (homeDir === undefined) {
    return {
      logger: pino({ level: options.level, base }, pino.multistream(streams)),
      logFile: undefined,
      attachFile: () => Promise.resolve(undefined),
      close: async () => {},
    };
  }
  const pending = new PendingFile();
  streams.push({ level: options.level, stream: pending });
  const dir = join(homeDir, 'logs');
  let file: RollStream | undefined;
  let attached: Promise<string | undefined> | undefined;
  const attachFile = (): Promise<string | undefined> =>
    (attached ??= (async () => {
      try {
        mkdirSync(dir, { recursive: true });
        const build = createRequire(import.meta.url)('pino-roll') as RollBuild;
        file = await build({
          file: join(dir, `${options.name}.log`),
          size: LOG_FILE_SIZE,
          mkdir: true,
          symlink: true,
          limit: { count: LOG_FILES_KEPT, removeOtherLogFiles: true },
          maxLength: LOG_BUFFER_MAX_BYTES,
        });
        // A full or vanished disk must not take the process down with it: every error, not
        // just the first, has a listener (an 'error' without one throws).
        file.on('error', countLogWriteError);
        file.on('drop', countDroppedLogLine);
        pending.attach(file);
        return undefined;
      } catch (error) {
        pending.abandon();
        return `cannot write logs under ${dir}: ${(error as Error).message}`;
      }
    })());
  return {
    logger: pino({ level: options.level, base }, pino.multistream(streams)),
    logFile: join(dir, 'current.log'),
    attachFile,
    close: async () => {
      await attachFile();
      await closeFile(file);
    },
  };
}

async function stderrStream(): Promise<DestinationStream> {
  if (!process.stderr.isTTY) return pino.destination({ dest: 2, sync: true });
  // Loaded only for a terminal: daemons under a supervisor never pay for it.
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: 2,
    sync: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}

function closeFile(file: RollStream | undefined): Promise<void> {
  if (file === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    // Not unref'd: on a full disk 'close' never comes, and an unref'd timer would leave this
    // promise unsettled when nothing else keeps the process up (exit 13 from a top-level await).
    const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    file.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      file.end();
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
