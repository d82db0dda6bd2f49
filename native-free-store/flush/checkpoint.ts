/**
 * The checkpoint file: one 4 KiB page. The first 40 bytes keep RocketMQ's fields
 * (protocol/STORE.md 6); ThrustMQ's own follow, guarded by a CRC so a torn write reads as "no
 * checkpoint" (recovery then scans from the oldest segment) instead of as wrong offsets.
 *
 *   0 physicMsgTimestamp  8 logicsMsgTimestamp  16 indexMsgTimestamp  24 masterFlushedOffset
 *  32 confirmPhyOffset  40 magic 'TMQC'  44 version  48 flushedPhysicalOffset
 *  56 dispatchedPhysicalOffset  64 crc32 of bytes [0, 64)
 *
 * Invariant: dispatchedPhysicalOffset <= flushedPhysicalOffset, and every consume-queue and
 * index entry for records below dispatchedPhysicalOffset was fdatasync'ed before this was written.
 */
import { closeSync, fdatasync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { readInt64, writeUint64 } from '../../src/protocol/message-record.ts';

export const CHECKPOINT_BYTES = 4096;
const MAGIC = 0x544d5143; // 'TMQC'
const VERSION = 1;
const CRC_AT = 64;

export interface Checkpoint {
  physicMsgTimestamp: number;
  logicsMsgTimestamp: number;
  indexMsgTimestamp: number;
  flushedPhysicalOffset: number;
  dispatchedPhysicalOffset: number;
}

export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  const page = Buffer.alloc(CHECKPOINT_BYTES);
  writeUint64(page, 0, checkpoint.physicMsgTimestamp);
  writeUint64(page, 8, checkpoint.logicsMsgTimestamp);
  writeUint64(page, 16, checkpoint.indexMsgTimestamp);
  writeUint64(page, 32, checkpoint.flushedPhysicalOffset);
  page.writeUInt32BE(MAGIC, 40);
  page.writeUInt32BE(VERSION, 44);
  writeUint64(page, 48, checkpoint.flushedPhysicalOffset);
  writeUint64(page, 56, checkpoint.dispatchedPhysicalOffset);
  page.writeUInt32BE(crc32(page.subarray(0, CRC_AT)), CRC_AT);
  return page;
}

export function decodeCheckpoint(page: Buffer): Checkpoint | undefined {
  if (page.length < CHECKPOINT_BYTES) return undefined;
  if (page.readUInt32BE(40) !== MAGIC || page.readUInt32BE(44) !== VERSION) return undefined;
  if (page.readUInt32BE(CRC_AT) !== crc32(page.subarray(0, CRC_AT))) return undefined;
  const checkpoint: Checkpoint = {
    physicMsgTimestamp: readInt64(page, 0),
    logicsMsgTimestamp: readInt64(page, 8),
    indexMsgTimestamp: readInt64(page, 16),
    flushedPhysicalOffset: readInt64(page, 48),
    dispatchedPhysicalOffset: readInt64(page, 56),
  };
  if (checkpoint.dispatchedPhysicalOffset > checkpoint.flushedPhysicalOffset) return undefined;
  return checkpoint;
}

export class CheckpointFile {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a+');
    closeSync(this.fd);
    this.fd = openSync(path, 'r+');
  }

  read(): Checkpoint | undefined {
    const page = Buffer.alloc(CHECKPOINT_BYTES);
    const n = readSync(this.fd, page, 0, CHECKPOINT_BYTES, 0);
    return n === CHECKPOINT_BYTES ? decodeCheckpoint(page) : undefined;
  }

  /** Writes the page and waits for it to be durable. */
  async write(checkpoint: Checkpoint): Promise<void> {
    const page = encodeCheckpoint(checkpoint);
    writeSync(this.fd, page, 0, CHECKPOINT_BYTES, 0);
    await new Promise<void>((resolve, reject) =>
      fdatasync(this.fd, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): void {
    closeSync(this.fd);
  }
}
