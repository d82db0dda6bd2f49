/**
 * Fair admission into a queue actor's request ring (src/broker/actor/fair-admission.ts), on a
 * real ring in one thread: this test plays the actor by draining the ring itself.
 */
import { describe, expect, it } from 'vitest';
import { FairAdmission, pullUnits, sendUnits } from '../../../src/broker/actor/fair-admission.ts';
import { createPair } from '../ring/ring-helpers.ts';
import type { RingPair } from '../ring/ring-helpers.ts';

/** A record that carries its flow and serial, so the test can read the order back. */
function record(flow: number, serial: number) {
  return (_bytes: Uint8Array, view: DataView, offset: number): void => {
    view.setUint32(offset, flow);
    view.setUint32(offset + 4, serial);
  };
}

function setup(maxUnreadUnits: number, maxWaiting = 1000, capacityBytes?: number) {
  const pair: RingPair = createPair(capacityBytes);
  let stopped = false;
  const admission = new FairAdmission(pair.writer, {
    maxUnreadUnits,
    maxWaiting,
    onWritten: () => pair.writer.publish(),
    stopped: () => stopped,
  });
  /** Plays the actor: reads up to `max` records, as [flow, serial]. */
  const read = (max = Infinity): Array<[number, number]> => {
    const seen: Array<[number, number]> = [];
    pair.reader.drain(max, (_bytes, view, offset) =>
      seen.push([view.getUint32(offset), view.getUint32(offset + 4)]),
    );
    return seen;
  };
  return { pair, admission, read, stop: () => (stopped = true) };
}

/** Lets the admission's wait for ring space notice the read and admit. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('fair admission into an actor ring', () => {
  it('writes at once while under the cap and nothing waits', () => {
    const { admission, read } = setup(4);
    for (let i = 0; i < 4; i++) expect(admission.offer(1, 8, 1, record(1, i))).toBe(true);
    expect(admission.waiting).toBe(0);
    expect(admission.unreadUnits).toBe(4);
    expect(read()).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
  });

  it('past the cap admits one request per waiting flow in turn as the actor reads', async () => {
    const { admission, read, stop } = setup(4);
    // A flood flow pipelines 20 requests; a normal flow then sends one.
    for (let i = 0; i < 20; i++) admission.offer(7, 8, 1, record(7, i));
    admission.offer(9, 8, 1, record(9, 0));
    expect(admission.waiting).toBe(17);
    expect(admission.waitingFlows).toBe(2);
    expect(read()).toEqual([
      [7, 0],
      [7, 1],
      [7, 2],
      [7, 3],
    ]);
    await settle();
    // The normal flow's one request is in the next four, not behind the flood's sixteen.
    const next = read();
    expect(next).toHaveLength(4);
    expect(next).toContainEqual([9, 0]);
    // The flood's own requests keep their order.
    const flood = next.filter(([flow]) => flow === 7).map(([, serial]) => serial);
    expect(flood).toEqual([...flood].sort((a, b) => a - b));
    stop();
  });

  it('keeps every flow in arrival order and loses nothing', async () => {
    const { admission, read, stop } = setup(3);
    const sent = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const flow = [1, 2, 3, 2, 2][i % 5]!;
      const serial = sent.get(flow) ?? 0;
      sent.set(flow, serial + 1);
      expect(admission.offer(flow, 8, 1, record(flow, serial))).toBe(true);
    }
    const seen: Array<[number, number]> = [];
    for (let round = 0; round < 100 && seen.length < 60; round++) {
      seen.push(...read(2));
      await settle();
    }
    expect(seen).toHaveLength(60);
    for (const flow of [1, 2, 3]) {
      const serials = seen.filter(([f]) => f === flow).map(([, s]) => s);
      expect(serials).toEqual(Array.from({ length: sent.get(flow)! }, (_, i) => i));
    }
    expect(admission.waiting).toBe(0);
    stop();
  });

  it('lets one request heavier than the cap through an empty ring', () => {
    const { admission, read } = setup(4);
    expect(admission.offer(1, 8, 9, record(1, 0))).toBe(true);
    expect(admission.waiting).toBe(0);
    expect(admission.offer(1, 8, 1, record(1, 1))).toBe(true);
    expect(admission.waiting).toBe(1);
    expect(read()).toEqual([[1, 0]]);
  });

  it('refuses past maxWaiting', () => {
    const { admission, stop } = setup(1, 3);
    expect(admission.offer(1, 8, 1, record(1, 0))).toBe(true);
    for (let i = 1; i <= 3; i++) expect(admission.offer(2, 8, 1, record(2, i))).toBe(true);
    expect(admission.offer(3, 8, 1, record(3, 0))).toBe(false);
    expect(admission.waiting).toBe(3);
    admission.clear();
    expect(admission.waiting).toBe(0);
    stop();
  });

  it('waits for ring space as well as for the cap', async () => {
    // A 64 KiB ring holds a few 16 KiB records whatever the cap.
    const { admission, read, stop } = setup(1000, 1000, 64 * 1024);
    for (let i = 0; i < 10; i++) expect(admission.offer(1, 16_000, 1, record(1, i))).toBe(true);
    expect(admission.waiting).toBeGreaterThan(0);
    const seen: Array<[number, number]> = [];
    for (let round = 0; round < 50 && seen.length < 10; round++) {
      seen.push(...read());
      await settle();
    }
    expect(seen.map(([, serial]) => serial)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    stop();
  });

  it('costs a pull by what it may read and a send by its messages and bytes', () => {
    expect(sendUnits(1, 1200)).toBe(1);
    expect(sendUnits(0, 100)).toBe(1);
    expect(sendUnits(50, 60_000)).toBe(53);
    expect(sendUnits(1, 4 * 1024 * 1024)).toBe(257);
    expect(pullUnits(256 * 1024)).toBe(33);
    expect(pullUnits(1024)).toBe(1);
  });
});
