/**
 * The broker's small JSON config files (topics, groups, offsets, delay and timer progress),
 * written so that a crash or a full disk leaves either the old or the new content: a temp file
 * of its own, fsync, rename. A write that fails (ENOSPC) removes its temp file and leaves the
 * old file as it was; the caller logs it and keeps its data to write again. Only for rare or
 * periodic writes, never per message.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const MAX_CONFIG_FILE_BYTES = 512 * 1024 * 1024;
let tempSequence = 0;

export function readConfigFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > MAX_CONFIG_FILE_BYTES) throw new Error(`${path} is larger than 512 MiB`);
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Unique per write, so a sync write at shutdown and a periodic one never share a temp file. */
function tempPathOf(path: string): string {
  tempSequence = (tempSequence + 1) % 1_000_000;
  return `${path}.${process.pid}.${tempSequence}.tmp`;
}

export function writeConfigFileSync(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathOf(path);
  const bytes = Buffer.from(text);
  try {
    const fd = openSync(temp, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export async function writeConfigFile(path: string, text: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathOf(path);
  const bytes = Buffer.from(text);
  try {
    const handle = await open(temp, 'w');
    try {
      for (let at = 0; at < bytes.length;)
        at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
