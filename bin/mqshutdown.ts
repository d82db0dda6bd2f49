#!/usr/bin/env node
// RocketMQ's mqshutdown, for muscle memory: the same as `thrustmq shutdown ...`.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['shutdown', ...process.argv.slice(2)]);
