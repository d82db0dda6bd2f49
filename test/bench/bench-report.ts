/**
 * Aggregates the broker benchmark's runs (medians, because the machine is shared and noisy)
 * into the one-line JSON summary and the human table.
 */
import type { PullResult, SendResult } from './load-client.ts';
import type { ProfileSummary } from './cpu-profile-summary.ts';
import { formatProfileSummary } from './cpu-profile-summary.ts';
import type { ResidentMemory } from './bench-memory.ts';

export const TARGETS = {
  syncSendMsgsPerSec: 150_000,
  syncAckP99Ms: 15,
  asyncSendMsgsPerSec: 200_000,
  consumeMsgsPerSec: 300_000,
} as const;

export type FlushDiskType = 'SYNC_FLUSH' | 'ASYNC_FLUSH';

/** One broker case of one run. */
export interface CaseRun {
  flushDiskType: FlushDiskType;
  actorThreads: number;
  send: SendResult;
  consume: PullResult;
  /** Broker CPU during the send phase (warm-up included), per message sent. */
  mainCpuUsPerMsg: number;
  otherThreadsCpuUsPerMsg: number;
  /** Every thread of the broker process (the only CPU figure that means much for a JVM). */
  brokerCpuUsPerMsg: number;
  mainCpuPct: number;
  /** Cores busy on the whole machine minus the broker's and the client's, during the send phase. */
  othersCores: number;
  /** The broker's resident memory once the case had run. */
  memory?: ResidentMemory;
}

export interface BaselineRun {
  storeAppendMsgsPerSec: number;
  tcpEcho: SendResult;
}

export interface ProfileReport {
  flushDiskType: FlushDiskType;
  actorThreads: number;
  directory: string;
  mainThreadFile: string;
  sendMsgsPerSec: number;
  send: ProfileSummary;
  consume: ProfileSummary;
}

export interface BenchSettings {
  count: number;
  warmup: number;
  window: number;
  queues: number;
  runs: number;
  cpus: number;
  primaryActorThreads: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (value: number, digits = 0): number =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : Number.NaN;

function figuresFor(runs: CaseRun[]) {
  const sync = runs.filter((r) => r.flushDiskType === 'SYNC_FLUSH');
  const async = runs.filter((r) => r.flushDiskType === 'ASYNC_FLUSH');
  const m = (list: CaseRun[], pick: (r: CaseRun) => number, digits = 0) =>
    round(median(list.map(pick)), digits);
  return {
    syncSendMsgsPerSec: m(sync, (r) => r.send.msgsPerSec),
    syncAckP50Ms: m(sync, (r) => r.send.ackP50Ms, 2),
    syncAckP99Ms: m(sync, (r) => r.send.ackP99Ms, 2),
    asyncSendMsgsPerSec: m(async, (r) => r.send.msgsPerSec),
    asyncAckP50Ms: m(async, (r) => r.send.ackP50Ms, 2),
    asyncAckP99Ms: m(async, (r) => r.send.ackP99Ms, 2),
    consumeMsgsPerSec: m(runs, (r) => r.consume.msgsPerSec),
    syncMainCpuUsPerMsg: m(sync, (r) => r.mainCpuUsPerMsg, 2),
    asyncMainCpuUsPerMsg: m(async, (r) => r.mainCpuUsPerMsg, 2),
    syncOtherThreadsCpuUsPerMsg: m(sync, (r) => r.otherThreadsCpuUsPerMsg, 2),
    asyncOtherThreadsCpuUsPerMsg: m(async, (r) => r.otherThreadsCpuUsPerMsg, 2),
    othersCores: m(runs, (r) => r.othersCores, 2),
    runs: runs.length,
  };
}

export function summarize(
  settings: BenchSettings,
  cases: CaseRun[],
  baselines: BaselineRun[],
  profile: ProfileReport | undefined,
  errors: string[],
) {
  const threads = [...new Set(cases.map((c) => c.actorThreads))].sort((a, b) => a - b);
  const byActorThreads = Object.fromEntries(
    threads.map((t) => [String(t), figuresFor(cases.filter((c) => c.actorThreads === t))]),
  );
  const primary = byActorThreads[String(settings.primaryActorThreads)] ?? figuresFor([]);
  const storeAppendMsgsPerSec = round(median(baselines.map((b) => b.storeAppendMsgsPerSec)));
  const tcpEchoMsgsPerSec = round(median(baselines.map((b) => b.tcpEcho.msgsPerSec)));
  const ratio = (a: number, b: number) => round(a / b, 3);
  return {
    messages: settings.count,
    warmup: settings.warmup,
    messageBytes: 1024,
    inFlight: settings.window,
    queues: settings.queues,
    runs: settings.runs,
    cpus: settings.cpus,
    primaryActorThreads: settings.primaryActorThreads,
    syncSendMsgsPerSec: primary.syncSendMsgsPerSec,
    asyncSendMsgsPerSec: primary.asyncSendMsgsPerSec,
    ackP50Ms: primary.syncAckP50Ms,
    ackP99Ms: primary.syncAckP99Ms,
    asyncAckP50Ms: primary.asyncAckP50Ms,
    asyncAckP99Ms: primary.asyncAckP99Ms,
    consumeMsgsPerSec: primary.consumeMsgsPerSec,
    coordinatorCpuUsPerMsg: {
      sync: primary.syncMainCpuUsPerMsg,
      async: primary.asyncMainCpuUsPerMsg,
    },
    storeAppendMsgsPerSec,
    tcpEchoMsgsPerSec,
    tcpEchoAckP50Ms: round(median(baselines.map((b) => b.tcpEcho.ackP50Ms)), 2),
    tcpEchoAckP99Ms: round(median(baselines.map((b) => b.tcpEcho.ackP99Ms)), 2),
    ratios: {
      syncToStoreAppend: ratio(primary.syncSendMsgsPerSec, storeAppendMsgsPerSec),
      asyncToStoreAppend: ratio(primary.asyncSendMsgsPerSec, storeAppendMsgsPerSec),
      syncToTcpEcho: ratio(primary.syncSendMsgsPerSec, tcpEchoMsgsPerSec),
      asyncToTcpEcho: ratio(primary.asyncSendMsgsPerSec, tcpEchoMsgsPerSec),
      consumeToTcpEcho: ratio(primary.consumeMsgsPerSec, tcpEchoMsgsPerSec),
      syncToTarget: ratio(primary.syncSendMsgsPerSec, TARGETS.syncSendMsgsPerSec),
      ackP99ToTarget: ratio(primary.syncAckP99Ms, TARGETS.syncAckP99Ms),
      asyncToTarget: ratio(primary.asyncSendMsgsPerSec, TARGETS.asyncSendMsgsPerSec),
      consumeToTarget: ratio(primary.consumeMsgsPerSec, TARGETS.consumeMsgsPerSec),
    },
    targets: TARGETS,
    byActorThreads,
    othersCoresDuringSends: primary.othersCores,
    ...(profile ? { profile } : {}),
    ok: errors.length === 0,
    errors,
  };
}

export type BenchSummary = ReturnType<typeof summarize>;

export const thousands = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');

export function spread(values: number[], format: (v: number) => string): string {
  if (values.length === 0) return 'n/a';
  const text = format(median(values));
  if (values.length === 1) return text;
  return `${text} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

/** One table row per actorThreads and flush type, each a spread over the runs. */
function caseRows(cases: CaseRun[]): string[] {
  const lines: string[] = [];
  const threads = [...new Set(cases.map((c) => c.actorThreads))].sort((a, b) => a - b);
  for (const t of threads) {
    for (const flush of ['SYNC_FLUSH', 'ASYNC_FLUSH'] as const) {
      const runs = cases.filter((c) => c.actorThreads === t && c.flushDiskType === flush);
      if (runs.length === 0) continue;
      lines.push(
        `| ${flush}, actorThreads ${t} | ${spread(
          runs.map((r) => r.send.msgsPerSec),
          thousands,
        )} | ${spread(
          runs.map((r) => r.send.ackP50Ms),
          ms,
        )} | ${spread(
          runs.map((r) => r.send.ackP99Ms),
          ms,
        )} | ${spread(
          runs.map((r) => r.consume.msgsPerSec),
          thousands,
        )} | ${spread(
          runs.map((r) => r.mainCpuUsPerMsg),
          ms,
        )} | ${spread(
          runs.map((r) => r.otherThreadsCpuUsPerMsg),
          ms,
        )} |`,
      );
    }
  }
  return lines;
}

function baselineRows(baselines: BaselineRun[]): string[] {
  const lines: string[] = [];
  if (baselines.length > 0) {
    lines.push(
      `| baseline: store append alone (ASYNC_FLUSH, 1 process) | ${spread(
        baselines.map((b) => b.storeAppendMsgsPerSec),
        thousands,
      )} | | | | | |`,
      `| baseline: TCP echo, same client | ${spread(
        baselines.map((b) => b.tcpEcho.msgsPerSec),
        thousands,
      )} | ${spread(
        baselines.map((b) => b.tcpEcho.ackP50Ms),
        ms,
      )} | ${spread(
        baselines.map((b) => b.tcpEcho.ackP99Ms),
        ms,
      )} | | | |`,
    );
  }
  return lines;
}

export function formatTable(
  summary: BenchSummary,
  cases: CaseRun[],
  baselines: BaselineRun[],
): string {
  const lines = [
    `ThrustMQ broker benchmark: ${thousands(summary.messages)} × 1 KiB messages per case ` +
      `(+${thousands(summary.warmup)} warm-up), ${thousands(summary.inFlight)} in flight on one ` +
      `connection, ${summary.queues} queues, ${summary.runs} run(s); median (min–max)` +
      (summary.profile ? '; under --cpu-prof, so slower than an unprofiled run' : ''),
    `machine: ${summary.cpus} CPUs; other processes kept ~${ms(summary.othersCoresDuringSends)} ` +
      `cores busy during the send phases (median; high values mean the figures are depressed)`,
    '',
    '| case | send msgs/s | ack p50 ms | ack p99 ms | consume msgs/s | coordinator CPU µs/msg | other threads CPU µs/msg |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  lines.push(...caseRows(cases), ...baselineRows(baselines));
  const r = Object.fromEntries(
    Object.entries(summary.ratios).map(([key, value]) => [
      key,
      Number.isFinite(value) ? String(value) : 'n/a',
    ]),
  ) as Record<keyof BenchSummary['ratios'], string>;
  const t = summary.targets;
  lines.push(
    '',
    `targets: SYNC_FLUSH ${thousands(t.syncSendMsgsPerSec)} msgs/s with ack p99 <= ${t.syncAckP99Ms} ms; ` +
      `ASYNC_FLUSH ${thousands(t.asyncSendMsgsPerSec)} msgs/s; backlog consume ${thousands(t.consumeMsgsPerSec)} msgs/s`,
    `at actorThreads ${summary.primaryActorThreads}: SYNC ${r.syncToTarget} of target (p99 ${r.ackP99ToTarget} of limit), ` +
      `ASYNC ${r.asyncToTarget}, consume ${r.consumeToTarget}`,
    `ratios to baselines: SYNC/store ${r.syncToStoreAppend}, ASYNC/store ${r.asyncToStoreAppend}, ` +
      `SYNC/echo ${r.syncToTcpEcho}, ASYNC/echo ${r.asyncToTcpEcho}, consume/echo ${r.consumeToTcpEcho}`,
  );
  if (summary.profile) {
    const p = summary.profile;
    lines.push(
      '',
      `CPU profile (${p.flushDiskType}, actorThreads ${p.actorThreads}, ${thousands(p.sendMsgsPerSec)} msgs/s under the profiler): ${p.mainThreadFile}`,
      '',
      formatProfileSummary(p.send, 'coordinator (main thread), send phase'),
      '',
      formatProfileSummary(p.consume, 'coordinator (main thread), consume phase'),
    );
  }
  if (summary.errors.length > 0) lines.push('', 'ERRORS:', ...summary.errors.map((e) => `- ${e}`));
  return lines.join('\n');
}
