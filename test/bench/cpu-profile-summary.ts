/**
 * Summarises a V8 .cpuprofile (node --cpu-prof) of the broker's main thread: self time per
 * function (top N) and time per area of the coordinator (remoting decode/encode, send
 * processor, ring, socket I/O, GC, ...). A sample's area is that of its deepest frame that
 * belongs to one; builtins and node:buffer helpers count for the code that called them.
 *
 *   node --import tsx test/bench/cpu-profile-summary.ts <file.cpuprofile> [--top 15]
 *        [--from-us T --to-us T] [--json]
 *
 * --from-us/--to-us keep only samples in that window of the profile's clock (microseconds of
 * CLOCK_MONOTONIC, the clock of process.hrtime), e.g. one phase of the benchmark.
 *
 * V8 samples by wall clock: time the thread spent runnable but waiting for a CPU (a busy
 * 2-core machine) counts to whatever function it was in, and a wake-up that hands the CPU to
 * another thread (Atomics.notify, a socket write) collects that thread's time too. Compare
 * shares with /proc CPU time (the benchmark's "coordinator CPU µs/msg") before trusting them.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './bench-processes.ts';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

export interface FunctionTime {
  name: string;
  location: string;
  selfMs: number;
  pct: number;
}

export interface AreaTime {
  area: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time in the window. */
  windowMs: number;
  /** Sampled time the thread was not idle; percentages below are of this. */
  busyMs: number;
  busyPct: number;
  samples: number;
  topFunctions: FunctionTime[];
  areas: AreaTime[];
}

const IDLE = '(idle)';
const REPO_URL = pathToFileURL(REPO_ROOT).href;

/** Where a frame's code lives: a repo path, node:xxx, or '' for builtins. */
function locationOf(frame: CallFrame): string {
  const url = frame.url;
  if (url.startsWith(REPO_URL)) {
    // The broker runs the build: name the source file dist/<path>.js was compiled from.
    const path = url.slice(REPO_URL.length);
    const built = /^dist\/(.+)\.js$/.exec(path);
    return built ? `${built[1]}.ts` : path;
  }
  if (url.startsWith('file://')) return url.slice('file://'.length);
  return url;
}

const ENCODE_NAME = /^(encode|checkHeader|toFastJson|write|quote)/;

/** The area of one frame, or undefined to keep walking up to its caller. */
function areaOf(frame: CallFrame, location: string): string | undefined {
  const name = frame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === IDLE) return 'idle';
  if (name === '(program)') return 'native, not attributed to JS (libuv, syscalls, V8)';
  if (name === '(root)') return 'native, not attributed to JS (libuv, syscalls, V8)';
  if (location === '' || location === 'node:buffer' || location.startsWith('node:internal/buffer'))
    return undefined;
  if (
    /^src\/remoting\/(frame-codec|json-header|binary-header|fastjson|ext-fields)\.ts$/.test(
      location,
    )
  )
    return ENCODE_NAME.test(name) ? 'remoting encode' : 'remoting decode';
  if (location === 'src/remoting/connection.ts')
    return /write|respond|uncork|invoke|Oneway/i.test(name)
      ? 'remoting connection: respond/write'
      : 'remoting connection: read/dispatch';
  if (location.startsWith('src/remoting/')) return 'remoting other';
  if (/^src\/broker\/processors\/(send-processor|send-header|batch-body)\.ts$/.test(location))
    return 'send processor';
  if (location.startsWith('src/broker/processors/pull')) return 'pull processor';
  if (location.startsWith('src/broker/processors/')) return 'other processors';
  // On the coordinator's thread, request records are encoded and response records decoded.
  if (/^src\/broker\/actor\/(send|pull)-record\.ts$/.test(location))
    return 'actor host: ring record encode';
  if (
    /^src\/broker\/actor\/(send-ack-record|pull-result-record|arrival-record|response-decoder)\.ts$/.test(
      location,
    )
  )
    return 'actor host: ring record decode';
  if (location.startsWith('src/broker/actor/')) return 'actor host: queueing/dispatch';
  if (location.startsWith('src/ring/') || location.includes('ringbuf.js'))
    return 'ring (SAB publish/drain/wake)';
  if (location === 'src/broker/message-id.ts') return 'message ids';
  if (location.startsWith('src/broker/metadata/')) return 'topic/group metadata';
  if (location.startsWith('src/broker/clients/')) return 'clients, subscriptions';
  if (location.startsWith('src/')) return `other ${location.split('/').slice(0, 2).join('/')}`;
  if (location.includes('node_modules/pino') || location.includes('node_modules/thread-stream'))
    return 'logging';
  if (location.includes('node_modules/comlink')) return 'control plane (comlink)';
  if (location.includes('node_modules/')) return 'other dependencies';
  if (
    location === 'node:net' ||
    location === 'node:stream' ||
    location.startsWith('node:internal/stream_base_commons') ||
    location.startsWith('node:internal/streams/') ||
    location.startsWith('node:internal/net')
  )
    return 'socket I/O (net, streams)';
  if (
    location.startsWith('node:internal/process/task_queues') ||
    location.startsWith('node:internal/timers') ||
    location === 'node:timers'
  )
    return 'event loop (nextTick, immediates, timers, microtasks)';
  if (location.startsWith('node:')) return 'node internals, other';
  return 'other';
}

export function summarizeCpuProfile(
  profile: CpuProfile,
  window?: ProfileWindow,
  top = 15,
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const areaCache = new Map<number, string>();
  const areaOfNode = (id: number): string => {
    const cached = areaCache.get(id);
    if (cached !== undefined) return cached;
    let area: string | undefined;
    for (let at: number | undefined = id; at !== undefined && area === undefined;) {
      const frame = byId.get(at)!.callFrame;
      area = areaOf(frame, locationOf(frame));
      at = parent.get(at);
    }
    const result = area ?? 'native, not attributed to JS (libuv, syscalls, V8)';
    areaCache.set(id, result);
    return result;
  };

  const selfUs = new Map<number, number>();
  const areaUs = new Map<string, number>();
  let windowUs = 0;
  let idleUs = 0;
  let samples = 0;
  let time = profile.startTime;
  const count = profile.samples.length;
  for (let i = 0; i < count; i++) {
    time += profile.timeDeltas[i]!;
    // A sample stands for the time until the next one.
    const duration = i + 1 < count ? profile.timeDeltas[i + 1]! : 0;
    if (window && (time < window.fromUs || time > window.toUs)) continue;
    const id = profile.samples[i]!;
    samples++;
    windowUs += duration;
    const area = areaOfNode(id);
    if (area === 'idle') {
      idleUs += duration;
      continue;
    }
    selfUs.set(id, (selfUs.get(id) ?? 0) + duration);
    areaUs.set(area, (areaUs.get(area) ?? 0) + duration);
  }
  const busyUs = windowUs - idleUs;
  const pctOf = (us: number) => (busyUs > 0 ? (100 * us) / busyUs : 0);

  const byFunction = new Map<string, FunctionTime>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const location = locationOf(frame);
    const name = frame.functionName || '(anonymous)';
    // Per function and file: the compiled JS's line numbers are not the sources'.
    const where = location === '' ? '(builtin)' : location;
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, location: where, selfMs: 0, pct: 0 };
    entry.selfMs += us / 1000;
    byFunction.set(key, entry);
  }
  const topFunctions = [...byFunction.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
    .map((entry) => ({ ...entry, pct: pctOf(entry.selfMs * 1000) }));
  const areas = [...areaUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([area, us]) => ({ area, ms: us / 1000, pct: pctOf(us) }));
  return {
    windowMs: windowUs / 1000,
    busyMs: busyUs / 1000,
    busyPct: windowUs > 0 ? (100 * busyUs) / windowUs : 0,
    samples,
    topFunctions,
    areas,
  };
}

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

export function formatProfileSummary(summary: ProfileSummary, title: string): string {
  const lines = [
    `${title}: ${fixed(summary.windowMs, 0)} ms sampled, busy ${fixed(summary.busyMs, 0)} ms (${fixed(summary.busyPct)} %), ${summary.samples} samples; % below = share of busy (non-idle, wall-clock) time`,
    '',
    `| self ms | % | function | location |`,
    `|---:|---:|---|---|`,
    ...summary.topFunctions.map(
      (f) => `| ${fixed(f.selfMs)} | ${fixed(f.pct)} | ${f.name} | ${f.location} |`,
    ),
    '',
    `| ms | % | area |`,
    `|---:|---:|---|`,
    ...summary.areas.map((a) => `| ${fixed(a.ms)} | ${fixed(a.pct)} | ${a.area} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const file = args[0];
  if (file === undefined || file.startsWith('--')) {
    process.stderr.write(
      'usage: cpu-profile-summary.ts <file.cpuprofile> [--top N] [--from-us T --to-us T] [--json]\n',
    );
    process.exit(2);
  }
  const from = option('--from-us');
  const to = option('--to-us');
  const window =
    from !== undefined && to !== undefined ? { fromUs: Number(from), toUs: Number(to) } : undefined;
  const summary = summarizeCpuProfile(readCpuProfile(file), window, Number(option('--top') ?? 15));
  process.stdout.write(
    args.includes('--json')
      ? `${JSON.stringify(summary)}\n`
      : `${formatProfileSummary(summary, file)}\n`,
  );
}
