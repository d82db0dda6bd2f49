/**
 * The protocol fuzz, CI-sized: a few thousand seeded hostile frames to each port of a real
 * broker and name server, with the liveness, round-trip and resource checks of fuzz-run.ts
 * after every batch. The fixed seed runs always; THRUSTMQ_FUZZ_SEED adds one more run.
 * THRUSTMQ_FUZZ_FRAMES changes the frames per port (default 3000).
 */
import { describe, expect, it } from 'vitest';
import { runProtocolFuzz } from './fuzz-run.ts';

const FIXED_SEED = 20261201;
const FRAMES = Number(process.env['THRUSTMQ_FUZZ_FRAMES'] ?? 3000);
const seeds = [FIXED_SEED];
const fromEnv = process.env['THRUSTMQ_FUZZ_SEED'];
if (fromEnv !== undefined && fromEnv !== '') seeds.push(Number(fromEnv) >>> 0);

describe('protocol fuzz - hostile frames never kill or bloat a server', () => {
  for (const seed of seeds) {
    it(`seed ${seed}: ${FRAMES} frames per port`, { timeout: 180_000 }, async () => {
      const report = await runProtocolFuzz({ seed, framesPerPort: FRAMES, batchFrames: 500 });
      console.log(
        `fuzz seed ${seed}: ${report.framesSent} frames, ${report.answers} answers, ` +
          `${report.roundTrips} round trips, broker peak RSS ${(report.broker.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ` +
          `fds ${report.broker.peakFds}/${report.namesrv.peakFds}, ${report.durationMs} ms`,
      );
      expect(report.crashes).toBe(0);
      expect(report.framesPerPort).toBe(FRAMES);
    });
  }
});
