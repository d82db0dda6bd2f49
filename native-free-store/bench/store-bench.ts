/**
 * Store benchmark: `npm run bench:store [-- --json] [--count N] [--dir PATH]`.
 *
 * Each case runs in its own child process so peak RSS (getrusage maxrss) belongs to that case:
 *  - append: N messages of 1 KiB over 16 queues in batches, ASYNC_FLUSH, then read all back;
 *  - raw: the same number of bytes with plain sequential fs.writeSync in the same chunk sizes,
 *    the baseline measured in the same run (the machines are shared and noisy: compare ratios);
 *  - sync: SYNC_FLUSH with 1,000 concurrent single-message appenders (group commit);
 *  - append10x: 10 × N messages of 100 bytes, for the bounded-memory check.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCase } from './bench-cases.ts';
import type { CaseName, CaseResult } from './bench-cases.ts';

interface Args {
  json: boolean;
  count: number;
  dir: string | undefined;
  caseName: CaseName | undefined;
}

/** --json, --count N, --dir PATH (and --case NAME for the child). */
function parseBenchArgs(argv: string[]): Args {
  // strict: an unknown option or a missing value fails here, named by parseArgs.
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      count: { type: 'string' },
      dir: { type: 'string' },
      case: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const count = values.count === undefined ? 1_000_000 : Number(values.count);
  if (!Number.isInteger(count) || count < 1000)
    throw new Error(`option --count needs an integer >= 1000, got ${JSON.stringify(values.count)}`);
  return {
    json: values.json ?? false,
    count,
    dir: values.dir,
    caseName: values.case as CaseName | undefined,
  };
}

function argsOrExit(argv: string[]): Args {
  try {
    return parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`thrustmq bench store: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

/**
 * V8 sizes its young generation by allocation rate, and 100-byte messages allocate ten times
 * as often per second as 1 KiB ones, which alone moved peak RSS by ~40 MB. Pinning it (as queue
 * actors will through worker resourceLimits) makes the two RSS figures compare what the store
 * keeps, not how fast V8 chose to grow.
 */
const FIXED_YOUNG_GENERATION = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

function runChild(caseName: CaseName, count: number, directory: string): Promise<CaseResult> {
  const self = fileURLToPath(import.meta.url);
  // Run from the sources (.ts), the child needs the tsx loader too; the build (.js) does not.
  const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...FIXED_YOUNG_GENERATION,
        ...loader,
        self,
        '--case',
        caseName,
        '--count',
        String(count),
        '--dir',
        directory,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      try {
        rmSync(directory, { recursive: true, force: true });
      } catch {
        // Best effort: a leftover temp dir is not worth failing the run.
      }
      if (code !== 0) reject(new Error(`case ${caseName} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as CaseResult);
    });
  });
}

function progress(json: boolean, text: string): void {
  if (!json && process.stderr.isTTY) process.stderr.write(`${text}\n`);
}

const args = argsOrExit(process.argv.slice(2));
if (args.caseName) {
  process.stdout.write(`${JSON.stringify(await runCase(args.caseName, args.count, args.dir!))}\n`);
  process.exit(0);
}

const root = args.dir ?? tmpdir();
const caseDir = (name: string) => mkdtempSync(join(root, `tmq-bench-${name}-`));
progress(args.json, `appending ${args.count} × 1 KiB…`);
const append = await runChild('append', args.count, caseDir('append'));
progress(args.json, 'raw fs.writeSync baseline…');
const raw = await runChild('raw', args.count, caseDir('raw'));
progress(args.json, 'SYNC_FLUSH with 1,000 appenders…');
const sync = await runChild('sync', Math.min(args.count, 300_000), caseDir('sync'));
progress(args.json, `appending ${args.count * 10} × 100 B…`);
const append10x = await runChild('append10x', args.count * 10, caseDir('append10x'));

const round = (value: number, digits = 0) => Number(value.toFixed(digits));
const summary = {
  messages: args.count,
  messageBytes: 1024,
  appendMsgsPerSec: round(append.appendMsgsPerSec),
  appendMBps: round(append.appendMBps, 1),
  rawMBps: round(raw.rawMBps, 1),
  ratioToRaw: round(append.appendMBps / raw.rawMBps, 3),
  syncFlushMsgsPerSec: round(sync.appendMsgsPerSec),
  syncToAsyncRatio: round(sync.appendMsgsPerSec / append.appendMsgsPerSec, 3),
  readMsgsPerSec: round(append.readMsgsPerSec),
  peakRssMB: round(append.peakRssMB, 1),
  peakRssMB10x: round(append10x.peakRssMB, 1),
  rss10xRatio: round(append10x.peakRssMB / append.peakRssMB, 3),
  appendMsgsPerSec10x: round(append10x.appendMsgsPerSec),
  fdatasyncsPerSec: round(sync.flushesPerSec ?? 0),
};

if (args.json) {
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} else {
  const rows: Array<[string, string, string]> = [
    [
      'append (ASYNC_FLUSH, 1 KiB)',
      `${summary.appendMsgsPerSec.toLocaleString()} msg/s`,
      `${summary.appendMBps} MB/s`,
    ],
    ['raw fs.writeSync, same bytes', '', `${summary.rawMBps} MB/s`],
    ['append / raw', `${summary.ratioToRaw}`, 'target >= 0.6'],
    [
      'SYNC_FLUSH, 1,000 appenders',
      `${summary.syncFlushMsgsPerSec.toLocaleString()} msg/s`,
      `${summary.syncToAsyncRatio} of async (target >= 0.5)`,
    ],
    ['read back', `${summary.readMsgsPerSec.toLocaleString()} msg/s`, ''],
    [`peak RSS, ${args.count} × 1 KiB`, `${summary.peakRssMB} MB`, ''],
    [
      `peak RSS, ${args.count * 10} × 100 B`,
      `${summary.peakRssMB10x} MB`,
      `${summary.rss10xRatio}× (target <= 1.15)`,
    ],
  ];
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows)
    process.stdout.write(
      `${row.map((cell, c) => (c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))).join('  ')}\n`,
    );
}
