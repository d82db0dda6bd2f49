#!/usr/bin/env node
// RocketMQ's mqbroker, for muscle memory: the same as `thrustmq broker ...`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(['broker', ...process.argv.slice(2)]);
