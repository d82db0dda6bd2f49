/**
 * The newcomer path from the issue: on a clone, `npm start` in one terminal, then the shell
 * commands of README.md's "Your first message" block, as written, in another. The block is
 * parsed from the README, so the test fails when the README drifts from what works.
 * `thrustmq start` uses the fixed ports 9876 and 10911: when something else holds them the
 * test fails saying so rather than testing against a stranger.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnThrustmq, stopAll } from '../harness/processes.ts';
import type { CommandResult } from '../harness/processes.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HEADING = '## Your first message';
/** Name server, broker, its older-client port (listenPort - 2) and metrics (listenPort - 1). */
const FIXED_PORTS = [9876, 10911, 10909, 10910];
const MAX_OUTPUT_CHARS = 1024 * 1024;

const workDir = makeTempDir('readme');
afterAll(async () => {
  await stopAll();
  workDir.remove();
});

/** The sh block after the heading, one argv per command line. */
function firstMessageCommands(readme: string): string[][] {
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${HEADING}" section`);
  const fence = readme.indexOf('```sh\n', start);
  const end = readme.indexOf('\n```', fence + 6);
  if (fence < 0 || end < 0) throw new Error(`"${HEADING}" has no \`\`\`sh block`);
  return readme
    .slice(fence + 6, end)
    .split('\n')
    .map((line) => shellWords(line))
    .filter((words) => words.length > 0);
}

/** Words of one simple command: quotes and backslashes as sh reads them, # comments. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) break;
    else if (c === '"' || c === "'") {
      const close = line.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unclosed ${c} in README command: ${line}`);
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i];
    else if ('|&;<>$`()'.includes(c))
      throw new Error(`README command uses ${c}, which this test does not run: ${line}`);
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

async function portBusy(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/**
 * Runs argv in the clone as a user would type it; npx offline, so nothing is fetched. npx keeps
 * one entry per clone path in its cache and never refreshes its bin links, so a machine whose
 * cache saw this path at an older commit would run stale bins: the test brings its own cache, as
 * a fresh machine has.
 */
function runInClone(argv: string[]): Promise<CommandResult> {
  const child = spawn(argv[0]!, ['--no', ...argv.slice(1)], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NAMESRV_ADDR: '',
      npm_config_offline: 'true',
      npm_config_yes: 'false',
      npm_config_cache: join(workDir.path, 'npm-cache'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    if (stdout.length < MAX_OUTPUT_CHARS) stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < MAX_OUTPUT_CHARS) stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('README - your first message', () => {
  it('the README block is npx thrustmq commands that send a body and read it back', () => {
    const commands = firstMessageCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const argv of commands) expect(argv.slice(0, 2)).toEqual(['npx', 'thrustmq']);
    expect(commands.some((argv) => argv.includes('sendMessage'))).toBe(true);
    expect(commands.some((argv) => argv.includes('consumeMessage'))).toBe(true);
  });

  it('works as written against `thrustmq start` in a fresh directory', async () => {
    const busy = [];
    for (const port of FIXED_PORTS) if (await portBusy(port)) busy.push(port);
    if (busy.length > 0)
      throw new Error(
        `port(s) ${busy.join(', ')} on 127.0.0.1 are in use: thrustmq start (and this README ` +
          'test) needs 9876 and 10911 free; stop whatever holds them and run the test again',
      );
    const started = await spawnThrustmq(['start'], {
      cwd: workDir.path,
      ready: /ThrustMQ is running/,
      env: { LOG_LEVEL: 'warn' },
      timeoutMs: 60_000,
    });
    expect(started.output()).toContain('name server  127.0.0.1:9876');

    const commands = firstMessageCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    const send = commands.find((argv) => argv.includes('sendMessage'))!;
    const body = send[send.indexOf('-p') + 1]!;
    const outputs: string[] = [];
    for (const argv of commands) {
      const result = await runInClone(argv);
      expect(result.code, `${argv.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0);
      outputs.push(result.stdout);
    }
    expect(outputs[commands.indexOf(send)]).toContain('SEND_OK');
    const consume = commands.findIndex((argv) => argv.includes('consumeMessage'));
    expect(outputs[consume]).toContain(`BODY: ${body}`);

    expect(await started.stop()).toBe(0);
    expect(existsSync(join(workDir.path, 'data', 'broker'))).toBe(true);
  }, 120_000);
});
