#!/usr/bin/env node
// The thrustmq command. Users run the compiled dist/bin/thrustmq.js (npm run build); from the
// sources it runs as `node --import tsx bin/thrustmq.ts`.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
