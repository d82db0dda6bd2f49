/**
 * Pid files of `thrustmq` daemons, so that `thrustmq shutdown` finds and stops them as
 * RocketMQ's mqshutdown does.
 *
 * Two files per daemon, both removed on a clean exit:
 * - `<data dir>/<kind>.pid`: the pid alone (`kill $(cat broker.pid)` works). It also keeps a
 *   second daemon off the same data directory.
 * - `<run dir>/<kind>-<port>.pid`: a registration in the per-user run directory
 *   (`$THRUSTMQ_HOME/run`, else `~/.thrustmq/run`), properties text naming the pid, address,
 *   data directory and the data-dir pid file; `thrustmq shutdown broker` reads them all.
 *
 * A pid is trusted only while that process is alive and its command line is a thrustmq command
 * of the same kind: a crashed daemon's pid reused by another program is never signalled, and
 * the stale file is ignored and removed.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { formatProperties, parseProperties } from '../common/properties.ts';
import { AlreadyRunningError } from './cli-errors.ts';

export const DaemonKind = { broker: 'broker', namesrv: 'namesrv', start: 'start' } as const;
export type DaemonKind = (typeof DaemonKind)[keyof typeof DaemonKind];
export const DAEMON_KINDS: readonly DaemonKind[] = Object.values(DaemonKind);

/** Registrations read per scan; starts sweep stale ones, so a run directory stays small. */
const MAX_REGISTRATIONS = 10_000;
const MAX_PID_FILE_BYTES = 64 * 1024;

export { AlreadyRunningError } from './cli-errors.ts';

export interface Registration {
  kind: DaemonKind;
  pid: number;
  /** host:port clients use, e.g. 127.0.0.1:10911. */
  address: string;
  dataDir: string;
  /** The data-dir pid file. */
  pidFile: string;
  /** This registration's own file in the run directory. */
  registrationFile: string;
}

/** `$THRUSTMQ_HOME/run`, else `~/.thrustmq/run`. */
export function runDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['THRUSTMQ_HOME'];
  return home ? join(resolve(home), 'run') : join(homedir(), '.thrustmq', 'run');
}

export function pidFileIn(dataDir: string, kind: DaemonKind): string {
  return join(dataDir, `${kind}.pid`);
}

/** The pid in a pid file, or undefined when the file is missing or holds no pid. */
export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').slice(0, MAX_PID_FILE_BYTES);
  } catch {
    return undefined;
  }
  const pid = Number(text.trim().split('\n')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** The process's arguments (argv[0] first), or undefined when it does not exist (or is a zombie). */
export function processArguments(pid: number): string[] | undefined {
  if (existsSync('/proc/self/cmdline')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined;
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      return undefined;
    }
  }
  // No /proc (macOS, BSD): ask ps; arguments holding spaces split wrongly, which only
  // makes the check stricter.
  const ps = spawnSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  const line = ps.status === 0 ? ps.stdout.trim() : '';
  return line ? line.split(/\s+/) : undefined;
}

const ALIASES: Record<string, DaemonKind> = { mqbroker: 'broker', mqnamesrv: 'namesrv' };

/** Whether these arguments run `thrustmq <kind>` (or the mqbroker / mqnamesrv alias). */
export function isDaemonCommand(args: readonly string[], kind: DaemonKind): boolean {
  for (let i = 0; i < args.length; i++) {
    const name = basename(args[i]!).replace(/\.m?[jt]s$/, '');
    if (ALIASES[name] === kind) return true;
    if (name === 'thrustmq' && args[i + 1] === kind) return true;
  }
  return false;
}

/** Alive and running `thrustmq <kind>`: the only processes shutdown signals. */
export function isLiveDaemon(pid: number, kind: DaemonKind): boolean {
  if (pid === process.pid) return false;
  const args = processArguments(pid);
  return args !== undefined && isDaemonCommand(args, kind);
}

/** Removes a pid file only while it still names pid: a successor's file is left alone. */
export function removePidFileOf(path: string, pid: number): void {
  if (readPidFile(path) === pid) rmSync(path, { force: true });
}

export function listRegistrations(runDir: string): Registration[] {
  let names: string[];
  try {
    names = readdirSync(runDir).filter((name) => name.endsWith('.pid'));
  } catch {
    return [];
  }
  const registrations: Registration[] = [];
  for (const name of names.sort().slice(0, MAX_REGISTRATIONS)) {
    const registrationFile = join(runDir, name);
    try {
      const fields = parseProperties(
        readFileSync(registrationFile, 'utf8').slice(0, MAX_PID_FILE_BYTES),
      );
      const kind = DAEMON_KINDS.find((k) => k === fields.get('kind'));
      const pid = Number(fields.get('pid'));
      if (kind === undefined || !Number.isSafeInteger(pid) || pid <= 0) continue;
      registrations.push({
        kind,
        pid,
        address: fields.get('address') ?? '',
        dataDir: fields.get('dataDir') ?? '',
        pidFile: fields.get('pidFile') ?? '',
        registrationFile,
      });
    } catch {
      // vanished between readdir and read: its daemon just stopped
    }
  }
  return registrations;
}

/**
 * The pid files of this process as a daemon of one kind. claim() before starting the server;
 * register() once it listens (the port names the registration); release() on a clean exit.
 */
export class DaemonFiles {
  private registrationFile: string | undefined;

  private constructor(
    readonly kind: DaemonKind,
    readonly dataDir: string,
    readonly pidFile: string,
    private readonly runDir: string,
  ) {}

  /** Writes `<dataDir>/<kind>.pid`; throws AlreadyRunningError when a live daemon holds it. */
  static claim(kind: DaemonKind, dataDir: string, runDir = runDirectory()): DaemonFiles {
    const pidFile = pidFileIn(dataDir, kind);
    const holder = readPidFile(pidFile);
    if (holder !== undefined && holder !== process.pid && isLiveDaemon(holder, kind)) {
      throw new AlreadyRunningError(
        `a ${kind} (pid ${holder}) is already running on ${dataDir} (pid file ${pidFile}); stop it with: thrustmq shutdown ${kind} --pid ${holder}`,
      );
    }
    mkdirSync(dataDir, { recursive: true });
    try {
      writeAtomically(pidFile, `${process.pid}\n`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
      // A daemon on a full disk still starts (it serves reads); shutdown then needs --pid.
      const files = new DaemonFiles(kind, dataDir, pidFile, runDir);
      files.pidFileWarning = `cannot write ${pidFile}: the disk is full; shutdown needs --pid ${process.pid}`;
      return files;
    }
    return new DaemonFiles(kind, dataDir, pidFile, runDir);
  }

  /** Set when claim() could not write the pid file (a full disk). */
  pidFileWarning: string | undefined;

  register(port: number, address: string): void {
    mkdirSync(this.runDir, { recursive: true });
    // Daemons that were killed leave registrations behind; each start sweeps them so the run
    // directory stays as small as the set of live daemons.
    for (const stale of listRegistrations(this.runDir)) {
      if (stale.pid === process.pid || isLiveDaemon(stale.pid, stale.kind)) continue;
      removeRegistrationOf(stale.registrationFile, stale.pid);
      if (stale.pidFile) removePidFileOf(stale.pidFile, stale.pid);
    }
    const file = join(this.runDir, `${this.kind}-${port}.pid`);
    const fields: Array<[string, string]> = [
      ['pid', String(process.pid)],
      ['kind', this.kind],
      ['address', address],
      ['dataDir', this.dataDir],
      ['pidFile', this.pidFile],
      ['startedAt', new Date().toISOString()],
    ];
    writeAtomically(file, formatProperties(fields));
    this.registrationFile = file;
  }

  /** Removes both files if they still name this process; never throws. */
  release(): void {
    for (const file of [this.registrationFile, this.pidFile]) {
      if (file === undefined) continue;
      try {
        if (file === this.pidFile) removePidFileOf(file, process.pid);
        else removeRegistrationOf(file, process.pid);
      } catch {
        // best effort: a stale file is recognised and cleaned by the next shutdown
      }
    }
  }
}

/** Removes a run-directory registration only while it still names pid. */
export function removeRegistrationOf(registrationFile: string, pid: number): void {
  let owner: number;
  try {
    const text = readFileSync(registrationFile, 'utf8').slice(0, MAX_PID_FILE_BYTES);
    owner = Number(parseProperties(text).get('pid'));
  } catch {
    return;
  }
  if (owner === pid) rmSync(registrationFile, { force: true });
}

/** Readers never see a half-written pid file. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
