/**
 * The broker benchmark's command line (see the header of broker-bench.ts for every option),
 * and whether the Apache RocketMQ rows can run here: they need `java` on the PATH.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './bench-processes.ts';

export interface Args {
  json: boolean;
  count: number;
  warmup: number;
  window: number;
  queues: number;
  runs: number;
  actorThreads: number[];
  profile: boolean;
  profileDir: string;
  phaseTimeoutMs: number;
  baselines: boolean;
  /** Apache RocketMQ's broker beside ours; off, no JVM runs at all. */
  apache: boolean;
  /** The Java-client shape on both brokers (only with apache). */
  javaClient: boolean;
  /** One-at-a-time sends of the Java-client shape, for unqueued ack latencies. */
  javaSyncCount: number;
  help: boolean;
  /** Why the Apache rows are off when they were not turned off (java missing), else ''. */
  apacheSkipped: string;
}

/** Whether `java -version` runs; the default for the Apache and Java-client rows. */
export function javaOnPath(): boolean {
  const result = spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 30_000 });
  return result.status === 0;
}

function defaults(): Args {
  return {
    json: false,
    count: 200_000,
    warmup: -1,
    window: 1000,
    queues: 8,
    runs: 1,
    actorThreads: [1, 2],
    profile: false,
    profileDir: join(
      REPO_ROOT,
      '.prof',
      `broker-bench-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    ),
    phaseTimeoutMs: 180_000,
    baselines: true,
    apache: true,
    javaClient: true,
    javaSyncCount: 2000,
    help: false,
    apacheSkipped: '',
  };
}

const int = (name: string, text: string | undefined, min: number): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} needs an integer >= ${min}, got ${text}`);
  return value;
};

export function parseArgs(argv: string[], hasJava: () => boolean = javaOnPath): Args {
  const args = defaults();
  let explicitJava = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') args.json = true;
    else if (arg === '--count') args.count = int(arg, argv[++i], 1000);
    else if (arg === '--warmup') args.warmup = int(arg, argv[++i], 0);
    else if (arg === '--window') args.window = int(arg, argv[++i], 1);
    else if (arg === '--queues') args.queues = int(arg, argv[++i], 1);
    else if (arg === '--runs') args.runs = int(arg, argv[++i], 1);
    else if (arg === '--actor-threads')
      args.actorThreads = (argv[++i] ?? '').split(',').map((t) => int(arg, t, 1));
    else if (arg === '--profile') args.profile = true;
    else if (arg === '--profile-dir') args.profileDir = argv[++i] ?? args.profileDir;
    else if (arg === '--phase-timeout-ms') args.phaseTimeoutMs = int(arg, argv[++i], 1000);
    else if (arg === '--no-baselines') args.baselines = false;
    else if (arg === '--no-apache') args.apache = false;
    else if (arg === '--no-java-client') args.javaClient = false;
    else if (arg === '--apache') explicitJava = args.apache = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--java-sync-count') args.javaSyncCount = int(arg, argv[++i], 1);
    else throw new Error(`unknown argument ${arg}; see the header of test/bench/broker-bench.ts`);
  }
  if (args.warmup < 0) args.warmup = Math.floor(args.count / 10);
  if (args.profile || args.help) args.apache = false;
  if (args.apache && !hasJava()) {
    if (explicitJava) throw new Error('--apache needs java (17) and mvn on the PATH');
    args.apache = false;
    args.apacheSkipped = 'java is not on the PATH';
  }
  if (!args.apache) args.javaClient = false;
  return args;
}
