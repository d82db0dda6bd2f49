/**
 * The long protocol fuzz:
 * `npm run fuzz -- --frames 1000000 [--seed N] [--batch N] [--connections N] [--json]`.
 * Frames are per port (broker and name server each get that many). Prints one line per batch
 * and a summary; exits 1 with the seed and the failing batch's frame file on a failure.
 */
import { parseArgs } from 'node:util';
import { stopAll } from '../harness/processes.ts';
import { FuzzFailure, runProtocolFuzz } from './fuzz-run.ts';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    batch: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '16' },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`--${name} must be a positive integer, got ${text}`);
  return value;
}

const seedText = values.seed ?? process.env['THRUSTMQ_FUZZ_SEED'];
const seed = seedText === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(seedText) >>> 0;
const framesPerPort = positive('frames', values.frames);
const batchFrames = positive('batch', values.batch);
const connections = positive('connections', values.connections);
process.stdout.write(`fuzz seed ${seed}, ${framesPerPort} frames per port\n`);
try {
  const report = await runProtocolFuzz({
    seed,
    framesPerPort,
    batchFrames,
    connections,
    log: values.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
  });
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  process.stdout.write(
    `done: ${report.framesSent} frames (${report.framesPerPort} per port), ${report.crashes} crashes, ` +
      `${report.answers} answers over ${report.connections} connections, ${report.roundTrips} round trips, ` +
      `broker RSS ${mib(report.broker.baselineRssBytes)} -> peak ${mib(report.broker.peakRssBytes)} MiB, ` +
      `fds ${report.broker.baselineFds} -> ${report.broker.peakFds}; ` +
      `name server RSS ${mib(report.namesrv.baselineRssBytes)} -> peak ${mib(report.namesrv.peakRssBytes)} MiB, ` +
      `fds ${report.namesrv.baselineFds} -> ${report.namesrv.peakFds}; ${(report.durationMs / 1000).toFixed(0)} s\n`,
  );
} catch (error) {
  process.stderr.write(
    `${error instanceof FuzzFailure ? '' : `fuzz seed ${seed}: `}${(error as Error).stack ?? String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await stopAll();
}
