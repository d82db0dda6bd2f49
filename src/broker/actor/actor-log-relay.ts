/**
 * Log lines of a queue actor thread reach the broker's own logger (its rotating file and
 * stderr) instead of the thread writing to stderr alone: the thread's pino writes each JSON line
 * to a MessagePort, and the coordinator logs it again through a child of its logger. Actors log
 * only events (recovery, failures), never per message, so the extra hop costs nothing.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';

const MAX_LINE_CHARS = 64 * 1024;
const LEVEL_NAMES: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
/** Fields the coordinator's logger sets itself. */
const DROPPED = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** A pino destination for the actor thread: every line goes to the port. */
export function portDestination(port: MessagePort): { write(line: string): void } {
  return { write: (line) => port.postMessage(line) };
}

/** Logs each line arriving on port through logger; unreadable lines are logged as text. */
export function relayActorLogs(port: MessagePort, logger: Logger): void {
  port.on('message', (line: unknown) => {
    if (typeof line !== 'string') return;
    const text = line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      logger.warn({ line: text.trim() }, 'unreadable actor log line');
      return;
    }
    const level = LEVEL_NAMES[Number(record['level'])] ?? 'info';
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!DROPPED.has(key)) fields[key] = value;
    logger[level](fields, typeof record['msg'] === 'string' ? record['msg'] : '');
  });
  port.unref();
}
