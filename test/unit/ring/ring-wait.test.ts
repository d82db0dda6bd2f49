import { afterEach, describe, expect, it, vi } from 'vitest';
import { RingErrorCode } from '../../../src/ring/index.ts';
import { createPair, payloadFor, writePayload } from './ring-helpers.ts';

/** Resolves to 'pending' if the promise has not settled after a macrotask turn. */
async function stateOf(promise: Promise<void>): Promise<'resolved' | 'pending'> {
  const pending = new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 5));
  return Promise.race([promise.then(() => 'resolved' as const), pending]);
}

function fillRing(pair: ReturnType<typeof createPair>): number {
  let written = 0;
  while (written < 1000 && writePayload(pair.writer, payloadFor(written, 1020))) written++;
  return written;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ring - waiting for data', () => {
  it('resolves at once when records are published', async () => {
    const { writer, reader } = createPair();
    writePayload(writer, payloadFor(0, 10));
    writer.publish();
    expect(await stateOf(reader.waitForData())).toBe('resolved');
  });

  it('does not count unpublished records, and wakes on publish', async () => {
    const { writer, reader } = createPair();
    writePayload(writer, payloadFor(0, 10));
    const wait = reader.waitForData();
    expect(await stateOf(wait)).toBe('pending');
    writer.publish();
    expect(await stateOf(wait)).toBe('resolved');
    expect(reader.hasData()).toBe(true);
  });

  it('notifies only while the reader sleeps, once for many publishes', async () => {
    const notify = vi.spyOn(Atomics, 'notify');
    const { writer, reader } = createPair();
    for (let i = 0; i < 10; i++) {
      writePayload(writer, payloadFor(i, 16));
      writer.publish();
    }
    expect(notify).not.toHaveBeenCalled();
    reader.drain(Infinity, () => undefined);

    const wait = reader.waitForData();
    for (let i = 0; i < 5; i++) {
      writePayload(writer, payloadFor(i, 16));
      writer.publish();
    }
    expect(notify).toHaveBeenCalledTimes(1);
    await wait;
    expect(reader.drain(Infinity, () => undefined)).toBe(5);
    writePayload(writer, payloadFor(0, 16));
    writer.publish();
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('shares one pending wait between callers', async () => {
    const { writer, reader } = createPair();
    const first = reader.waitForData();
    expect(reader.waitForData()).toBe(first);
    writePayload(writer, payloadFor(0, 1));
    writer.publish();
    await first;
  });

  it('resolves after timeoutMs without data, and on interruptWait', async () => {
    const { reader } = createPair();
    const started = performance.now();
    await reader.waitForData(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(reader.hasData()).toBe(false);
    const wait = reader.waitForData();
    expect(await stateOf(wait)).toBe('pending');
    reader.interruptWait();
    expect(await stateOf(wait)).toBe('resolved');
    expect(() => reader.waitForData(-1)).toThrow(
      expect.objectContaining({ code: RingErrorCode.INVALID_ARGUMENT }),
    );
  });
});

describe('ring - waiting for space', () => {
  it('resolves once the reader releases space, with one notify', async () => {
    const pair = createPair();
    expect(fillRing(pair)).toBe(63);
    expect(writePayload(pair.writer, payloadFor(99, 1020))).toBe(false);
    const wait = pair.writer.waitForSpace();
    expect(await stateOf(wait)).toBe('pending');
    const notify = vi.spyOn(Atomics, 'notify');
    expect(pair.reader.drain(1, () => undefined)).toBe(1);
    expect(notify).toHaveBeenCalledTimes(1);
    expect(await stateOf(wait)).toBe('resolved');
    expect(writePayload(pair.writer, payloadFor(99, 1020))).toBe(true);
    pair.reader.drain(1, () => undefined);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('publishes pending records first, so a ring full of unpublished records drains', async () => {
    const pair = createPair();
    fillRing(pair);
    expect(pair.reader.hasData()).toBe(false);
    const wait = pair.writer.waitForSpace();
    expect(pair.reader.hasData()).toBe(true);
    pair.reader.drain(Infinity, () => undefined);
    await wait;
    expect(pair.writer.freeBytes).toBe(64 * 1024 - 1);
  });

  it('does not miss a release between the failed tryWrite and waitForSpace', async () => {
    const pair = createPair();
    fillRing(pair);
    pair.writer.publish();
    expect(writePayload(pair.writer, payloadFor(99, 1020))).toBe(false);
    pair.reader.drain(1, () => undefined);
    expect(await stateOf(pair.writer.waitForSpace())).toBe('resolved');
  });

  it('resolves at once on an empty ring and after timeoutMs on a full one', async () => {
    const pair = createPair();
    expect(await stateOf(pair.writer.waitForSpace())).toBe('resolved');
    fillRing(pair);
    pair.writer.publish();
    const started = performance.now();
    await pair.writer.waitForSpace(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
