import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createRingChannel } from '../../../src/ring/index.ts';
import { consume, produce } from './fixtures/ring-traffic.ts';
import type { TrafficPlan, TrafficResult } from './fixtures/ring-traffic.ts';

const workerUrl = new URL('./fixtures/ring-worker.mjs', import.meta.url);
const workers: Worker[] = [];

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
});

/** Runs one side of the plan in a worker; rejects on a worker error or exit without a result. */
function runInWorker(role: 'produce' | 'consume', plan: TrafficPlan): Promise<TrafficResult> {
  const worker = new Worker(workerUrl, { workerData: { role, plan } });
  workers.push(worker);
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { ok: boolean; result?: TrafficResult; error?: string }) => {
      if (message.ok) resolve(message.result!);
      else reject(new Error(`worker ${role} failed: ${message.error}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${role} exited with ${code}`)));
  });
}

function planFor(overrides: Partial<TrafficPlan>): TrafficPlan {
  return {
    channel: createRingChannel(256 * 1024),
    recordCount: 200_000,
    sizes: 'varied',
    publishEvery: 16,
    drainBatch: 256,
    verifyBodies: true,
    deadlineMs: Date.now() + 30_000,
    ...overrides,
  };
}

describe('ring - across threads', () => {
  it('carries 200,000 varied records from a worker to the main thread intact', async () => {
    const plan = planFor({});
    const [produced, consumed] = await Promise.all([runInWorker('produce', plan), consume(plan)]);
    expect(produced.records).toBe(200_000);
    expect(consumed.records).toBe(200_000);
    expect(consumed.payloadBytes).toBe(produced.payloadBytes);
    expect([produced.timedOutWaits, consumed.timedOutWaits]).toEqual([0, 0]);
  });

  it('carries 200,000 varied records from the main thread to a worker intact', async () => {
    const plan = planFor({ publishEvery: 1, drainBatch: 7 });
    const [produced, consumed] = await Promise.all([produce(plan), runInWorker('consume', plan)]);
    expect(produced.records).toBe(200_000);
    expect(consumed.records).toBe(200_000);
    expect(consumed.payloadBytes).toBe(produced.payloadBytes);
    expect([produced.timedOutWaits, consumed.timedOutWaits]).toEqual([0, 0]);
  });

  it('does not lose wake-ups when both sides sleep often (tiny ring, one record per publish)', async () => {
    const plan = planFor({
      channel: createRingChannel(64 * 1024),
      recordCount: 50_000,
      sizes: 4000,
      publishEvery: 1,
      drainBatch: 1,
    });
    const [produced, consumed] = await Promise.all([runInWorker('produce', plan), consume(plan)]);
    expect(consumed.records).toBe(produced.records);
    expect(produced.waits + consumed.waits).toBeGreaterThan(0);
    expect([produced.timedOutWaits, consumed.timedOutWaits]).toEqual([0, 0]);
  });

  it('reports 1 KiB records/s from a worker to the main thread (printed, not asserted)', async () => {
    const recordCount = 1_000_000;
    const plan = planFor({ recordCount, sizes: 1024, publishEvery: 32, verifyBodies: false });
    const [produced, consumed] = await Promise.all([runInWorker('produce', plan), consume(plan)]);
    expect(consumed.records).toBe(recordCount);
    expect([produced.timedOutWaits, consumed.timedOutWaits]).toEqual([0, 0]);
    const perSecond = Math.round((recordCount / consumed.elapsedMs) * 1000);
    console.log(
      `ring throughput: ${perSecond.toLocaleString('en')} records/s of 1 KiB worker -> main ` +
        `(${Math.round((perSecond * 1024) / 1e6)} MB/s; consumer waited ${consumed.waits}x, ` +
        `producer ${produced.waits}x; 256 KiB ring, publish per 32, drain per 256)`,
    );
  });
});
