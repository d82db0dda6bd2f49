/**
 * The broker's small JSON config files (topics, groups, offsets), written so a crash leaves
 * either the old or the new content: temp file, fsync, rename. Only for rare or periodic
 * writes, never per message.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { writeFile, rename, open } from 'node:fs/promises';
import { dirname } from 'node:path';

const MAX_CONFIG_FILE_BYTES = 512 * 1024 * 1024;

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

export function writeConfigFileSync(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

export async function writeConfigFile(path: string, text: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  await writeFile(temp, text);
  const handle = await open(temp, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}
