#!/usr/bin/env node
// RocketMQ's mqnamesrv, for muscle memory: the same as `thrustmq namesrv ...`.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['namesrv', ...process.argv.slice(2)]);
