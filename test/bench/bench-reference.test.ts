/**
 * The broker benchmark's option parsing and its ThrustMQ / Apache RocketMQ summary, checked on
 * made-up case figures (the benchmark itself is run by hand: `npm run bench:broker`).
 */
import { describe, expect, it } from 'vitest';
import { parseArgs } from './bench-args.ts';
import type { CaseRun, FlushDiskType } from './bench-report.ts';
import type { JavaCaseRun } from './java-bench.ts';
import { formatReference, summarizeReference } from './reference-report.ts';

function loadCase(flushDiskType: FlushDiskType, sendMsgsPerSec: number, rssMiB: number): CaseRun {
  return {
    flushDiskType,
    actorThreads: 1,
    send: {
      count: 1000,
      seconds: 1000 / sendMsgsPerSec,
      msgsPerSec: sendMsgsPerSec,
      ackP50Ms: 10,
      ackP90Ms: 15,
      ackP99Ms: 20,
      ackMaxMs: 30,
      totalSeconds: 1,
      perQueue: [1000],
      clientCpuPct: 50,
      clientCpuSeconds: 0.5,
    },
    consume: {
      messages: 1000,
      pulls: 40,
      seconds: 0.1,
      msgsPerSec: 2 * sendMsgsPerSec,
      clientCpuPct: 50,
    },
    mainCpuUsPerMsg: 10,
    otherThreadsCpuUsPerMsg: 5,
    brokerCpuUsPerMsg: 15,
    mainCpuPct: 40,
    othersCores: 0,
    memory: { rssMiB, peakMiB: rssMiB + 10, anonMiB: rssMiB - 40, fileMiB: 40 },
  };
}

function javaCase(broker: 'thrustmq' | 'apache', flushDiskType: FlushDiskType, singleP50: number) {
  const base = loadCase(flushDiskType, 1000, 100);
  const run: JavaCaseRun = {
    broker,
    flushDiskType,
    send: {
      ...base.send,
      syncCount: 10,
      syncAckP50Ms: singleP50,
      syncAckP90Ms: singleP50,
      syncAckP99Ms: 2 * singleP50,
      syncAckMaxMs: 3 * singleP50,
    },
    consume: { messages: 1010, pulls: 40, seconds: 1, msgsPerSec: 1010 },
    brokerCpuUsPerMsg: 20,
    memory: base.memory,
  };
  return run;
}

describe('bench:broker options', () => {
  it('includes Apache RocketMQ and the Java client when java is on the PATH', () => {
    const args = parseArgs([], () => true);
    expect([args.apache, args.javaClient, args.apacheSkipped]).toEqual([true, true, '']);
  });

  it('skips them, saying why, when java is missing; --apache then fails', () => {
    const args = parseArgs([], () => false);
    expect([args.apache, args.javaClient, args.apacheSkipped]).toEqual([
      false,
      false,
      'java is not on the PATH',
    ]);
    expect(() => parseArgs(['--apache'], () => false)).toThrow(/needs java/);
  });

  it('--no-apache runs no JVM at all; --no-java-client keeps the load-client rows', () => {
    const none = parseArgs(['--no-apache'], () => true);
    expect([none.apache, none.javaClient]).toEqual([false, false]);
    const loadOnly = parseArgs(['--no-java-client', '--java-sync-count', '50'], () => true);
    expect([loadOnly.apache, loadOnly.javaClient, loadOnly.javaSyncCount]).toEqual([
      true,
      false,
      50,
    ]);
  });
});

describe('bench:broker Apache RocketMQ summary', () => {
  const thrustmq = [
    loadCase('SYNC_FLUSH', 30_000, 200),
    loadCase('SYNC_FLUSH', 10_000, 220),
    loadCase('SYNC_FLUSH', 20_000, 210),
    loadCase('ASYNC_FLUSH', 40_000, 200),
  ];
  const apache = [loadCase('SYNC_FLUSH', 8_000, 700), loadCase('ASYNC_FLUSH', 16_000, 800)];
  const java = [
    javaCase('thrustmq', 'SYNC_FLUSH', 0.5),
    javaCase('apache', 'SYNC_FLUSH', 2),
    javaCase('thrustmq', 'ASYNC_FLUSH', 0.4),
    javaCase('apache', 'ASYNC_FLUSH', 0.8),
  ];
  const summary = summarizeReference(
    { included: true, javaClient: true, skipped: '' },
    thrustmq,
    apache,
    java,
  );

  it('compares medians over the runs as ThrustMQ over Apache RocketMQ', () => {
    const sync = summary.loadClient!.ratios['SYNC_FLUSH']!;
    expect(summary.loadClient!.thrustmq['SYNC_FLUSH']!['sendMsgsPerSec']).toBe(20_000);
    expect(sync.send).toBe(2.5);
    expect(sync.consume).toBe(2.5);
    expect(sync.ackP50).toBe(1);
    expect(sync.rss).toBe(0.3);
    expect(summary.loadClient!.ratios['ASYNC_FLUSH']!.rss).toBe(0.25);
  });

  it('takes the Java client rows one-at-a-time acks for the latency ratios', () => {
    expect(summary.javaClient!.ratios['SYNC_FLUSH']!.singleAckP50).toBe(0.25);
    expect(summary.javaClient!.ratios['ASYNC_FLUSH']!.singleAckP99).toBe(0.5);
    const text = formatReference(summary, {
      thrustmqCases: thrustmq,
      apacheCases: apache,
      javaCases: java,
      primaryActorThreads: 1,
    });
    expect(text).toContain('| Java client | SYNC_FLUSH | 1 | 0.25 | 0.25 | 1 | 1 | 1 |');
    expect(text).toContain('| load client | Apache RocketMQ, SYNC_FLUSH | 8,000 |');
    expect(text).toContain('| 210 (200–220); 170 + 40 | 220 (210–230) |');
  });

  it('says why there are no rows when they were not run', () => {
    const off = summarizeReference({ included: false, javaClient: false, skipped: '' }, [], [], []);
    expect(off.loadClient).toBeUndefined();
    expect(
      formatReference(off, {
        thrustmqCases: [],
        apacheCases: [],
        javaCases: [],
        primaryActorThreads: 1,
      }),
    ).toContain('not run (--no-apache)');
  });
});
