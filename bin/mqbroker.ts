#!/usr/bin/env node
// RocketMQ's mqbroker, for muscle memory: the same as `thrustmq broker ...`.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['broker', ...process.argv.slice(2)]);
