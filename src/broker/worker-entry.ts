/**
 * Where the broker's worker threads start, for both ways this tree runs. The build (dist/, what
 * users run) starts the compiled entry in dist/workers/ directly. The TypeScript sources (tsx in
 * development, vitest) need the tsx loader, which a new thread does not inherit: it is
 * registered in the thread first, then the `.ts` entry is imported. This module is the only
 * place that knows the difference.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';
import { workerExecArgv } from './worker-exec-argv.ts';

/** This module's own URL says which tree is running: `.ts` sources or the `.js` build. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** The entry of workers/ named `name` (e.g. 'queue-actor') in the running tree. */
function entryUrl(name: string): URL {
  return new URL(`../../workers/${name}${FROM_SOURCES ? '.ts' : '.js'}`, import.meta.url);
}

/** A worker thread running workers/<name>; execArgv is always workerExecArgv(). */
export function startWorker(name: string, options: Omit<WorkerOptions, 'execArgv'>): Worker {
  const entry = entryUrl(name);
  const execArgv = workerExecArgv();
  if (!FROM_SOURCES) return new Worker(entry, { ...options, execArgv });
  const tsx = import.meta.resolve('tsx/esm/api');
  const code =
    `import(${JSON.stringify(tsx)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true, execArgv });
}

/**
 * piscina's filename and execArgv for the task module workers/<name>. piscina imports the task
 * only after its own worker has started, so from the sources a `--import` of tsx is enough.
 */
export function taskWorker(name: string): { filename: string; execArgv: string[] } {
  const filename = entryUrl(name).href;
  if (!FROM_SOURCES) return { filename, execArgv: workerExecArgv() };
  return { filename, execArgv: [...workerExecArgv(), '--import', import.meta.resolve('tsx')] };
}
