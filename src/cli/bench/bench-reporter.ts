/**
 * The live line each second and the final summary. On a terminal the live line redraws in
 * place; piped, each second is its own line; with --json only the final JSON line is printed.
 */
import { LatencyHistogram } from './latency-histogram.ts';

export interface BenchTotals {
  done: number;
  failed: number;
}

export class BenchReporter {
  readonly total = new LatencyHistogram();
  private readonly window = new LatencyHistogram();
  private windowFailed = 0;
  failed = 0;
  private readonly started = Date.now();
  private windowStarted = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly verb: string;
  private readonly json: boolean;
  private readonly tty: boolean;

  constructor(verb: 'sent' | 'received', json: boolean) {
    this.verb = verb;
    this.json = json;
    this.tty = process.stdout.isTTY === true && !json;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 1000);
  }

  record(latencyMs: number, messages = 1): void {
    for (let i = 0; i < messages; i++) {
      this.total.record(latencyMs);
      this.window.record(latencyMs);
    }
  }

  fail(messages = 1): void {
    this.failed += messages;
    this.windowFailed += messages;
  }

  get elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  private tick(): void {
    const seconds = Math.max(0.001, (Date.now() - this.windowStarted) / 1000);
    const line =
      `${new Date().toISOString().slice(11, 19)} TPS ${Math.round(this.window.count / seconds)}` +
      ` | avg RT ${this.window.averageMs.toFixed(3)} ms | max RT ${this.window.maxMs.toFixed(3)} ms` +
      ` | ${this.verb} ${this.total.count} | failed ${this.failed}` +
      (this.windowFailed > 0 ? ` (+${this.windowFailed})` : '');
    this.window.reset();
    this.windowFailed = 0;
    this.windowStarted = Date.now();
    if (this.json) return;
    process.stdout.write(this.tty ? `\r\u001b[2K${line}` : `${line}\n`);
  }

  finish(extra: Record<string, unknown> = {}): Record<string, unknown> {
    if (this.timer) clearInterval(this.timer);
    const seconds = Math.max(0.001, this.elapsedSeconds);
    const summary = {
      tps: Math.round(this.total.count / seconds),
      avgRtMs: round(this.total.averageMs),
      p50RtMs: round(this.total.percentileMs(50)),
      p99RtMs: round(this.total.percentileMs(99)),
      maxRtMs: round(this.total.maxMs),
      [this.verb]: this.total.count,
      failed: this.failed,
      seconds: round(seconds),
      ...extra,
    };
    if (this.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      if (this.tty) process.stdout.write('\n');
      process.stdout.write(
        `${this.verb} ${summary[this.verb] as number} in ${summary.seconds} s: TPS ${summary.tps}, avg RT ${summary.avgRtMs} ms, p99 ${summary.p99RtMs} ms, max ${summary.maxRtMs} ms, failed ${summary.failed}\n`,
      );
    }
    return summary;
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
