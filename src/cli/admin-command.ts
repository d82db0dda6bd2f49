/**
 * `thrustmq admin <subcommand>` (and `mqadmin`): RocketMQ's mqadmin subcommands and option
 * letters over the SDK's Admin. Exit codes: 0 done, 1 the operation failed (one line on stderr:
 * what failed and why, no stack for expected errors), 2 bad arguments (the line names the
 * option, or the SDK's InvalidArgumentError names the value). Subcommands live in admin/, one file per group.
 */
import { InvalidArgumentError, MQClientError } from '../client/core/errors.ts';
import { clusterCommands } from './admin/cluster-commands.ts';
import type { AdminIo, AdminSubcommand } from './admin/context.ts';
import { AdminContext, CommandFailedError } from './admin/context.ts';
import { groupCommands } from './admin/group-commands.ts';
import { messageCommands } from './admin/message-commands.ts';
import { commandHelp, parseOptions, UsageError } from './admin/options.ts';
import { sendConsumeCommands } from './admin/send-consume-commands.ts';
import { topicCommands } from './admin/topic-commands.ts';

export const ADMIN_SUBCOMMANDS: readonly AdminSubcommand[] = [
  ...topicCommands,
  ...clusterCommands,
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
    // The SDK's argument checks (a malformed topic or id) are bad arguments too.
    const exitCode = error instanceof UsageError || error instanceof InvalidArgumentError ? 2 : 1;
    io.stderr.write(`${command.name}: ${describe(error)}\n`);
    return exitCode;
  } finally {
    await context?.close().catch(() => undefined);
  }
}

/** One line: the message of an expected error; name and message of an unexpected one. */
function describe(error: unknown): string {
  if (
    error instanceof UsageError ||
    error instanceof MQClientError ||
    error instanceof CommandFailedError
  )
    return error.message.replace(/\s*\n\s*/g, ' ');
  if (error instanceof Error) return `${error.name}: ${error.message}`.replace(/\s*\n\s*/g, ' ');
  return String(error);
}
