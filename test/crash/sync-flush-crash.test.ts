/**
 * A crash that really crashes: a child appends with SYNC_FLUSH and reports every acknowledged
 * message; the parent SIGKILLs it at random moments, then reopens the store and checks that
 * every acknowledged message is there byte for byte, that no torn record is served and that
 * consume queues agree with the commit log. The same directory goes through every round.
 */
import { spawn } from 'node:child_process';
import { closeSync, cpSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRecord, GetMessageStatus, openStore } from '../../native-free-store/index.ts';
import type { MessageStore } from '../../native-free-store/index.ts';
import { deterministicBody } from '../harness/store-messages.ts';
import { makeTempDir } from '../harness/temp-dir.ts';
import { CRASH_TOPIC, crashStoreOptions } from './fixtures/crash-options.ts';

const ROUNDS = 20;
const LARGE_SEGMENT_ROUNDS = 12;
const fixture = fileURLToPath(new URL('./fixtures/sync-appender.ts', import.meta.url));

interface Ack {
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  size: number;
  seed: string;
  bodySize: number;
}

interface Kill {
  /** SIGKILL this long after the first ack... */
  afterFirstAckMs?: number;
  /** ...or this long after the spawn, whether the store has opened (recovered) yet or not. */
  afterSpawnMs?: number;
  segmentSizeBytes?: number;
}

/** Starts the child, SIGKILLs it as `kill` says, returns the acks it printed. */
function runAndKill(
  directory: string,
  round: number,
  kill: Kill,
): Promise<{ acks: Ack[]; recoveredFromCrash: boolean }> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', fixture, directory, String(round)];
    if (kill.segmentSizeBytes !== undefined) args.push(String(kill.segmentSizeBytes));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let recoveredFromCrash = false;
    let pending = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined =
      kill.afterSpawnMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), kill.afterSpawnMs);
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const parts = line.split(' ');
        if (parts[0] === 'ready') recoveredFromCrash = parts[1] === 'true';
        if (parts[0] !== 'ack') continue;
        acks.push({
          queueId: Number(parts[1]),
          queueOffset: Number(parts[2]),
          physicalOffset: Number(parts[3]),
          size: Number(parts[4]),
          seed: parts[5]!,
          bodySize: Number(parts[6]),
        });
        if (kill.afterFirstAckMs !== undefined)
          killTimer ??= setTimeout(() => child.kill('SIGKILL'), kill.afterFirstAckMs);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${stderr}`));
      else resolve({ acks, recoveredFromCrash });
    });
  });
}

function verifyAcks(store: MessageStore, acks: readonly Ack[]): void {
  for (const ack of acks) {
    const record = store.readMessageAt(ack.physicalOffset);
    expect(record, `acked message ${ack.seed} at ${ack.physicalOffset}`).toBeDefined();
    const check = checkRecord(record!, 0, record!.length, true);
    if (check.kind !== 'message')
      throw new Error(`acked message ${ack.seed} is not a valid record`);
    const r = check.record;
    expect(r.queueId).toBe(ack.queueId);
    expect(r.queueOffset).toBe(ack.queueOffset);
    expect(
      record!
        .subarray(r.bodyStart, r.bodyStart + r.bodyLength)
        .equals(deterministicBody(ack.seed, ack.bodySize)),
    ).toBe(true);
    const pulled = store.getMessages({
      topic: CRASH_TOPIC,
      queueId: ack.queueId,
      queueOffset: ack.queueOffset,
      maxMessages: 1,
    });
    expect(pulled.status).toBe(GetMessageStatus.FOUND);
    expect(pulled.data.equals(record!)).toBe(true);
  }
}

/** Every queue entry from min to max resolves to a valid record at that queue offset. */
function verifyQueues(store: MessageStore): number {
  let records = 0;
  for (let queueId = 0; queueId < 4; queueId++) {
    const max = store.getMaxOffset(CRASH_TOPIC, queueId);
    let offset = store.getMinOffset(CRASH_TOPIC, queueId);
    for (let guard = 0; offset < max && guard < 100_000; guard++) {
      const read = store.getMessages({
        topic: CRASH_TOPIC,
        queueId,
        queueOffset: offset,
        maxMessages: 32,
      });
      expect(read.status).toBe(GetMessageStatus.FOUND);
      for (let at = 0, i = 0; at < read.data.length; i++) {
        const check = checkRecord(read.data, at, read.data.length - at, true);
        if (check.kind !== 'message')
          throw new Error(`queue ${queueId} offset ${offset + i} serves a torn record`);
        expect(check.record.queueOffset).toBe(read.queueOffsets[i]);
        expect(check.record.queueId).toBe(queueId);
        at += check.record.totalSize;
        records++;
      }
      expect(read.queueOffsets[0]).toBe(offset);
      offset = read.nextQueueOffset;
    }
  }
  return records;
}

describe('crash - SIGKILL during SYNC_FLUSH appends', () => {
  it(`keeps every acknowledged message across ${ROUNDS} kills`, async () => {
    const dir = makeTempDir('crash');
    try {
      const acked: Ack[] = [];
      let childRecoveries = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const { acks, recoveredFromCrash } = await runAndKill(dir.path, round, {
          afterFirstAckMs: 20 + Math.floor(Math.random() * 300),
        });
        if (recoveredFromCrash) childRecoveries++;
        expect(acks.length).toBeGreaterThan(0);
        acked.push(...acks);
        // On odd rounds check a copy, so the child itself recovers the crash image next round.
        const image = round % 2 === 1 ? makeTempDir('crash-image') : undefined;
        if (image) cpSync(dir.path, image.path, { recursive: true });
        const store = await openStore(crashStoreOptions(image?.path ?? dir.path));
        try {
          expect(store.openInfo.recoveredFromCrash).toBe(true);
          verifyAcks(store, acked);
          expect(verifyQueues(store)).toBeGreaterThanOrEqual(acked.length);
        } finally {
          await store.close();
          image?.remove();
        }
      }
      // Rounds after an odd round start from a crash image: 2, 4, …, ROUNDS - 2.
      expect(childRecoveries).toBe(ROUNDS / 2 - 1);
      expect(acked.length).toBeGreaterThan(ROUNDS);
    } finally {
      dir.remove();
    }
  }, 180_000);

  it('keeps every acknowledged message and a zero tail with segments past the recovery window, kills during recovery included', async () => {
    const segmentSizeBytes = 16 * 1024 * 1024;
    const dir = makeTempDir('crash-large');
    try {
      const acked: Ack[] = [];
      let killedBeforeAck = 0;
      for (let round = 0; round < LARGE_SEGMENT_ROUNDS; round++) {
        // Every third kill lands from the spawn on, often before the store has recovered.
        const kill: Kill =
          round % 3 === 2
            ? { afterSpawnMs: Math.floor(Math.random() * 1500), segmentSizeBytes }
            : { afterFirstAckMs: 20 + Math.floor(Math.random() * 300), segmentSizeBytes };
        const { acks } = await runAndKill(dir.path, round, kill);
        if (acks.length === 0) killedBeforeAck++;
        acked.push(...acks);
        const store = await openStore(crashStoreOptions(dir.path, segmentSizeBytes));
        try {
          verifyAcks(store, acked);
          expect(verifyQueues(store)).toBeGreaterThanOrEqual(acked.length);
          expectZeroTail(dir.path, store.maxPhysicalOffset, segmentSizeBytes);
        } finally {
          await store.close();
        }
      }
      expect(acked.length).toBeGreaterThan(LARGE_SEGMENT_ROUNDS);
      expect(killedBeforeAck).toBeLessThan(LARGE_SEGMENT_ROUNDS);
    } finally {
      dir.remove();
    }
  }, 180_000);
});

/** Every byte from the write position to the end of its segment is zero. */
function expectZeroTail(directory: string, writePosition: number, segmentSizeBytes: number): void {
  const segmentStart = writePosition - (writePosition % segmentSizeBytes);
  const path = join(directory, 'commitlog', String(segmentStart).padStart(20, '0'));
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let at = writePosition - segmentStart; at < segmentSizeBytes; at += chunk.length) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, segmentSizeBytes - at), at);
      const nonZero = chunk.subarray(0, n).findIndex((byte) => byte !== 0);
      if (nonZero >= 0)
        throw new Error(`non-zero byte at ${segmentStart + at + nonZero}, past ${writePosition}`);
    }
  } finally {
    closeSync(fd);
  }
}
