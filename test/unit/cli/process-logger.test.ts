import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessLogger } from '../../../src/cli/process-logger.ts';
import { makeTempDir } from '../../harness/temp-dir.ts';

describe('process logger - the log file', () => {
  const dirs: Array<{ path: string; remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((dir) => dir.remove()));

  it('process logger - lines logged before the file is attached are written to it first, in order', async () => {
    const dir = makeTempDir('process-logger');
    dirs.push(dir);
    const log = await createProcessLogger({ name: 'broker', homeDir: dir.path, level: 'warn' });
    log.logger.warn('held 1');
    log.logger.info('below the level');
    log.logger.error('held 2');
    expect(await log.attachFile()).toBeUndefined();
    log.logger.warn('after attach');
    await log.close();
    const lines = readFileSync(join(dir.path, 'logs', 'current.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(lines).toEqual(['held 1', 'held 2', 'after attach']);
  });

  it('process logger - close attaches the file, so a daemon that fails at startup still leaves its lines', async () => {
    const dir = makeTempDir('process-logger');
    dirs.push(dir);
    const log = await createProcessLogger({ name: 'namesrv', homeDir: dir.path, level: 'fatal' });
    log.logger.fatal('cannot start');
    await log.close();
    expect(readFileSync(join(dir.path, 'logs', 'current.log'), 'utf8')).toContain('cannot start');
  });

  it('process logger - a directory that cannot hold logs is reported once, and logging goes on', async () => {
    const dir = makeTempDir('process-logger');
    dirs.push(dir);
    const blocked = join(dir.path, 'file');
    writeFileSync(blocked, 'not a directory');
    const log = await createProcessLogger({ name: 'broker', homeDir: blocked, level: 'fatal' });
    expect(await log.attachFile()).toMatch(/cannot write logs under .*file\/logs/);
    log.logger.fatal('still logging');
    await log.close();
  });
});
