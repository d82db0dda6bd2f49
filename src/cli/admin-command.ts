/**
 * `thrustmq admin <subcommand>` (and `mqadmin`): RocketMQ's mqadmin subcommands and option
 * letters over the SDK's Admin. Exit codes: 0 done, 1 the operation failed (one line on stderr:
 * what failed and why, no stack for expected errors), 2 bad arguments (the line names the
 * option, or the SDK's InvalidArgumentError names the value). Subcommands live in admin/, one file per group.
 */
import { clusterCommands } from './admin/cluster-commands.ts';
import { haCommands } from './admin/ha-commands.ts';
import type { AdminIo, AdminSubcommand } from './admin/context.ts';
import { AdminContext } from './admin/context.ts';
import { groupCommands } from './admin/group-commands.ts';
import { messageCommands } from './admin/message-commands.ts';
import { commandHelp, parseOptions } from './admin/options.ts';
import { sendConsumeCommands } from './admin/send-consume-commands.ts';
import { topicCommands } from './admin/topic-commands.ts';
import { cliFailure, writeFailure } from './exit-codes.ts';

export const ADMIN_SUBCOMMANDS: readonly AdminSubcommand[] = [
  ...topicCommands,
  ...clusterCommands,
  ...haCommands,
  ...groupCommands,
  ...messageCommands,
  ...sendConsumeCommands,
];

export function adminUsage(): string {
  const width = Math.max(...ADMIN_SUBCOMMANDS.map((command) => command.name.length));
  return [
    'usage: thrustmq admin <subcommand> [options]   (also: mqadmin <subcommand> [options])',
    '',
    'subcommands:',
    ...ADMIN_SUBCOMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every subcommand takes -n "host:9876;host2:9876" (default NAMESRV_ADDR, then',
    '127.0.0.1:9876), --json for one JSON document on stdout, and -h for its options.',
    'Exit status: 0 done, 1 the operation failed, 2 bad arguments.',
    '',
  ].join('\n');
}

const processIo = (): AdminIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** Runs one admin subcommand; resolves to the exit code. */
export async function runAdminCommand(
  args: readonly string[],
  io: AdminIo = processIo(),
): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(adminUsage());
    return 0;
  }
  const command = ADMIN_SUBCOMMANDS.find(
    (candidate) => candidate.name.toLowerCase() === name.toLowerCase(),
  );
  if (!command) {
    io.stderr.write(
      `thrustmq admin: unknown subcommand ${JSON.stringify(name)} (thrustmq admin --help lists them)\n`,
    );
    return 2;
  }
  let context: AdminContext | undefined;
  try {
    const options = parseOptions(command, rest);
    if (options.bool('h')) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    context = new AdminContext(options, io);
    await command.run(context);
    return 0;
  } catch (error) {
    // Exactly one line, whatever failed, hint or not: scripts read it.
    return writeFailure(io.stderr, `${command.name}: `, { ...cliFailure(error), hint: undefined });
  } finally {
    await context?.close().catch(() => undefined);
  }
}
