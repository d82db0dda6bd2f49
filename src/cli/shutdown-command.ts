/**
 * `thrustmq shutdown [broker|namesrv|start] [-c FILE | --data DIR | --pid N] [--timeout S]`, as
 * RocketMQ's mqshutdown: without a target it stops every daemon of that kind (every kind when
 * none is named) this user started on this machine, found through the run directory
 * (pid-files.ts). Each gets SIGTERM, which makes it flush, write its checkpoint and remove its
 * pid files; shutdown waits for that, bounded by --timeout.
 *
 * Exit codes: 0 every daemon found stopped cleanly; 1 one timed out, exited without removing
 * its pid file, or the pid is not such a daemon; 2 bad arguments; 3 nothing was running.
 */
import { UsageError, UsageErrorCode } from './cli-errors.ts';
import {
  loadBrokerCommandConfig,
  loadNamesrvCommandConfig,
  namesrvHomeDir,
} from './daemon-config.ts';
import { cliFailure, writeFailure } from './exit-codes.ts';
import type { FlagTable } from './flags.ts';
import { parseFlags } from './flags.ts';
import type { DaemonKind, Registration } from './pid-files.ts';
import {
  DAEMON_KINDS,
  isLiveDaemon,
  listRegistrations,
  pidFileIn,
  processArguments,
  readPidFile,
  removePidFileOf,
  removeRegistrationOf,
  runDirectory,
} from './pid-files.ts';

const USAGE = `usage: thrustmq shutdown [broker|namesrv|start] [-c FILE | --data DIR | --pid N] [--timeout S]

Stops daemons started by this user on this machine (all of that kind, every kind when none is
named), waiting for each to flush and exit.

  -c, --configFile FILE  the daemon started with this properties file
  --data DIR             the daemon whose data directory (storePathRootDir, the name server's
                         kvConfig.json directory, or thrustmq start's --data) is DIR
  --pid N                the daemon with this pid (checked to be a thrustmq daemon first)
  --timeout S            seconds to wait for each to exit (default 60)

exit codes: 0 stopped, 1 timed out or failed, 2 bad arguments, 3 nothing running
`;

const DEFAULT_TIMEOUT_S = 60;
const POLL_INTERVAL_MS = 100;

export const ShutdownExit = { stopped: 0, failed: 1, usage: 2, nothingRunning: 3 } as const;

interface ShutdownArgs {
  kinds: readonly DaemonKind[];
  configFile: string | undefined;
  dataDir: string | undefined;
  pid: number | undefined;
  timeoutMs: number;
}

/** A daemon to stop: pid plus the files that name it. */
interface Target {
  kind: DaemonKind;
  pid: number;
  label: string;
  pidFile: string | undefined;
  registrationFile: string | undefined;
}

export async function runShutdownCommand(args: readonly string[]): Promise<number> {
  let parsed: ShutdownArgs;
  let targets: Target[];
  try {
    // -h anywhere helps, even beside a word the parser would refuse.
    if (args.includes('-h') || args.includes('--help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    parsed = parseShutdownArgs(args);
    targets = findTargets(parsed);
  } catch (error) {
    const failure = cliFailure(error);
    if (!failure.expected) throw error;
    return writeFailure(process.stderr, 'thrustmq shutdown: ', failure);
  }
  if (parsed.pid !== undefined && targets.length === 0) {
    return refusePid(parsed.pid, parsed.kinds);
  }
  const live = targets.filter((target) => isLiveDaemon(target.pid, target.kind));
  for (const stale of targets.filter((target) => !live.includes(target))) removeStale(stale);
  if (live.length === 0) {
    const what = parsed.kinds.length === 1 ? parsed.kinds[0]! : 'thrustmq daemon';
    process.stdout.write(`No ${what} running.\n`);
    return ShutdownExit.nothingRunning;
  }
  const outcomes = await Promise.all(live.map((target) => stop(target, parsed.timeoutMs)));
  return outcomes.every(Boolean) ? ShutdownExit.stopped : ShutdownExit.failed;
}

const SHUTDOWN_FLAGS: FlagTable = {
  configFile: { type: 'string', short: 'c' },
  data: { type: 'string' },
  pid: { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function parseShutdownArgs(args: readonly string[]): ShutdownArgs {
  const parsed: ShutdownArgs = {
    kinds: DAEMON_KINDS,
    configFile: undefined,
    dataDir: undefined,
    pid: undefined,
    timeoutMs: DEFAULT_TIMEOUT_S * 1000,
  };
  const { flags, positionals } = parseFlags(args, SHUTDOWN_FLAGS, { maxPositionals: 1 });
  const [daemon] = positionals;
  if (daemon !== undefined) {
    const kind = DAEMON_KINDS.find((k) => k === daemon);
    if (kind === undefined)
      throw new UsageError(
        `unknown daemon ${JSON.stringify(daemon)} (allowed: broker, namesrv, start)`,
        UsageErrorCode.UNEXPECTED_ARGUMENT,
      );
    parsed.kinds = [kind];
  }
  for (const { name, rawName, value } of flags) {
    const text = String(value);
    // -h was answered before parsing (runShutdownCommand).
    if (name === 'help') continue;
    if (name === 'configFile') parsed.configFile = text;
    else if (name === 'data') parsed.dataDir = text;
    else if (name === 'pid') parsed.pid = positiveInteger(rawName, text, Number.MAX_SAFE_INTEGER);
    else parsed.timeoutMs = positiveInteger(rawName, text, 86_400) * 1000;
  }
  const chosen = [parsed.configFile, parsed.dataDir, parsed.pid].filter((v) => v !== undefined);
  if (chosen.length > 1)
    throw new UsageError('give at most one of -c, --data and --pid', UsageErrorCode.CONFLICT);
  if (parsed.configFile !== undefined && (parsed.kinds.length !== 1 || parsed.kinds[0] === 'start'))
    throw new UsageError(
      '-c needs broker or namesrv: thrustmq shutdown broker -c FILE',
      UsageErrorCode.MISSING_OPTION,
    );
  return parsed;
}

function positiveInteger(option: string, text: string, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new UsageError(
      `option ${option} needs an integer in [1, ${max}], got ${JSON.stringify(text)}`,
      UsageErrorCode.INVALID_VALUE,
    );
  return value;
}

function findTargets(args: ShutdownArgs): Target[] {
  if (args.pid !== undefined) {
    const kind = args.kinds.find((k) => isLiveDaemon(args.pid!, k));
    if (kind === undefined) return [];
    const registered = listRegistrations(runDirectory()).find((r) => r.pid === args.pid);
    return [registered ? fromRegistration(registered) : bare(kind, args.pid, undefined)];
  }
  if (args.configFile !== undefined) {
    const kind = args.kinds[0]!;
    const dataDir =
      kind === 'broker'
        ? loadBrokerCommandConfig(args.configFile, []).config.storePathRootDir
        : namesrvHomeDir(loadNamesrvCommandConfig(args.configFile, []).config);
    return fromDataDir(dataDir, [kind]);
  }
  if (args.dataDir !== undefined) return fromDataDir(args.dataDir, args.kinds);
  return listRegistrations(runDirectory())
    .filter((registration) => args.kinds.includes(registration.kind))
    .map(fromRegistration);
}

function fromDataDir(dataDir: string, kinds: readonly DaemonKind[]): Target[] {
  const targets: Target[] = [];
  for (const kind of kinds) {
    const pidFile = pidFileIn(dataDir, kind);
    const pid = readPidFile(pidFile);
    if (pid === undefined) continue;
    const registered = listRegistrations(runDirectory()).find(
      (r) => r.pid === pid && r.kind === kind,
    );
    targets.push(registered ? fromRegistration(registered) : bare(kind, pid, pidFile));
  }
  return targets;
}

function fromRegistration(registration: Registration): Target {
  const where = [registration.address, registration.dataDir && `data ${registration.dataDir}`]
    .filter(Boolean)
    .join(', ');
  return {
    kind: registration.kind,
    pid: registration.pid,
    label: `${kindLabel(registration.kind)} ${where ? `${where}, ` : ''}pid ${registration.pid}`,
    pidFile: registration.pidFile || undefined,
    registrationFile: registration.registrationFile,
  };
}

function bare(kind: DaemonKind, pid: number, pidFile: string | undefined): Target {
  return {
    kind,
    pid,
    label: `${kindLabel(kind)} pid ${pid}`,
    pidFile,
    registrationFile: undefined,
  };
}

function kindLabel(kind: DaemonKind): string {
  return kind === 'start' ? 'thrustmq start' : kind;
}

function removeFiles(target: Target): void {
  if (target.pidFile !== undefined) removePidFileOf(target.pidFile, target.pid);
  if (target.registrationFile !== undefined)
    removeRegistrationOf(target.registrationFile, target.pid);
}

function removeStale(target: Target): void {
  removeFiles(target);
  process.stdout.write(`Removed the stale pid file of ${target.label} (not running).\n`);
}

function refusePid(pid: number, kinds: readonly DaemonKind[]): number {
  if (processArguments(pid) === undefined) {
    process.stdout.write(`No process with pid ${pid} is running.\n`);
    return ShutdownExit.nothingRunning;
  }
  const what = kinds.length === 1 ? `thrustmq ${kinds[0]}` : 'thrustmq daemon';
  process.stderr.write(`thrustmq shutdown: pid ${pid} is not a ${what}; not signalled\n`);
  return ShutdownExit.failed;
}

/** SIGTERM, then wait for the exit; true when it exited and took its pid file with it. */
async function stop(target: Target, timeoutMs: number): Promise<boolean> {
  const startedAt = Date.now();
  try {
    process.kill(target.pid, 'SIGTERM');
  } catch (error) {
    process.stderr.write(
      `thrustmq shutdown: cannot signal ${target.label}: ${(error as Error).message}\n`,
    );
    return false;
  }
  process.stdout.write(`Stopping ${target.label} ...\n`);
  while (processArguments(target.pid) !== undefined) {
    if (Date.now() - startedAt >= timeoutMs) {
      process.stderr.write(
        `thrustmq shutdown: ${target.label} did not exit within ${timeoutMs / 1000} s; still running\n`,
      );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  if (target.pidFile !== undefined && readPidFile(target.pidFile) === target.pid) {
    removeFiles(target);
    process.stderr.write(
      `thrustmq shutdown: ${target.label} exited after ${seconds} s without a clean stop (see its logs)\n`,
    );
    return false;
  }
  removeFiles(target);
  process.stdout.write(`Stopped ${target.label} in ${seconds} s.\n`);
  return true;
}
