/**
 * What a subcommand runs with: its parsed options, one Admin client made on first use for the
 * name servers chosen (-n, else NAMESRV_ADDR, else 127.0.0.1:9876), and the output streams.
 * Results go to stdout, as a table for people or one JSON document with --json; progress and
 * errors go to stderr.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { Admin } from '../../client/admin/admin.ts';
import type { CommandSpec, ParsedOptions } from './options.ts';
import { UsageError } from './options.ts';
import type { Progress, ProgressStream } from './progress.ts';
import { createProgress } from './progress.ts';

export const DEFAULT_NAMESRV = '127.0.0.1:9876';

export { CommandFailedError } from '../cli-errors.ts';

export interface AdminIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
}

export class AdminContext {
  readonly options: ParsedOptions;
  readonly namesrvAddr: string;
  private readonly io: AdminIo;
  /** Client logs go to stderr, quiet unless LOG_LEVEL asks, so stdout stays parseable. */
  readonly logger: Logger;
  private client: Admin | undefined;
  private activeProgress: Progress | undefined;

  constructor(options: ParsedOptions, io: AdminIo) {
    this.options = options;
    this.io = io;
    this.logger = pino({ level: io.env['LOG_LEVEL'] ?? 'silent' }, pino.destination(2));
    const fromEnv = io.env['NAMESRV_ADDR']?.trim();
    this.namesrvAddr = options.string('n') ?? (fromEnv ? fromEnv : DEFAULT_NAMESRV);
    for (const address of this.namesrvAddr.split(';').filter((entry) => entry.trim() !== '')) {
      if (!/^[^:\s]+:\d{1,5}$/.test(address.trim()))
        throw new UsageError(`-n (namesrvAddr) entry ${JSON.stringify(address)} is not host:port`);
    }
  }

  get admin(): Admin {
    this.client ??= new Admin({ namesrvAddr: this.namesrvAddr, logger: this.logger });
    return this.client;
  }

  /** Writes the JSON document with --json, else the human text. */
  print(json: unknown, human: () => string): void {
    this.io.stdout.write(
      this.options.json ? `${JSON.stringify(json, jsonReplacer, 2)}\n` : human(),
    );
  }

  /** Human output only (e.g. messages streamed as they are read). */
  write(text: string): void {
    // On a terminal the progress line shares the screen: clear it; the next update redraws it.
    this.activeProgress?.done();
    this.io.stdout.write(text);
  }

  /** A note on stderr that does not fail the command. */
  warn(text: string): void {
    this.io.stderr.write(`warning: ${text}\n`);
  }

  progress(label: string): Progress {
    this.activeProgress = createProgress(this.io.stderr, label);
    return this.activeProgress;
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

/** Buffers as text (message bodies), bigints as numbers. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'Buffer' &&
    Array.isArray((value as { data?: unknown }).data)
  )
    return Buffer.from((value as { data: number[] }).data).toString('utf8');
  return value;
}

export interface AdminSubcommand extends CommandSpec {
  run(context: AdminContext): Promise<void>;
}
