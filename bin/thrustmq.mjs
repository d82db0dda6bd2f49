#!/usr/bin/env node
// The thrustmq command. Sources are TypeScript, loaded through tsx so that the package runs
// straight from a clone (`npm install && npm start`) with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
