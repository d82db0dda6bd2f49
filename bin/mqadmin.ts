#!/usr/bin/env node
// RocketMQ's mqadmin, for muscle memory: the same as `thrustmq admin ...`.
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['admin', ...process.argv.slice(2)]);
