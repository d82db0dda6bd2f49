/**
 * What a remoting server refused, by reason, for the broker's /metrics and the name server's
 * log. Counters only grow; gauges are read from the server when scraped.
 */
import type { Logger } from 'pino';

export const REFUSAL_REASONS = [
  /** Accept past remotingMaxConnections. */
  'max_connections',
  /** Accept past remotingMaxConnectionsPerAddress. */
  'max_connections_per_address',
  /** Queued responses over remotingMaxQueuedResponseBytes past remotingBackpressureTimeoutMs. */
  'backpressure_timeout',
  /** Queued responses over remotingCloseQueuedResponseBytes. */
  'queued_response_bytes',
  /** A frame not whole within remotingFrameTimeoutMs of its first byte. */
  'frame_timeout',
  /** Partial frames of the server over remotingMaxPartialFrameBytes. */
  'partial_frame_bytes',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Logs at most one line per reason this often, with the count since the last line. */
const LOG_INTERVAL_MS = 10_000;

export class LimitCounters {
  /** Connections closed or refused, by reason. */
  readonly refused: Record<RefusalReason, number>;
  /** Times a connection stopped being read because a per-connection cap was reached. */
  paused = 0;
  /** Times a connection left requests it had read for the next turn (remotingRequestsPerTurn). */
  turnYields = 0;
  readonly #log: Logger;
  readonly #unlogged = new Map<RefusalReason, number>();
  readonly #lastLogMs = new Map<RefusalReason, number>();

  constructor(log: Logger) {
    this.#log = log;
    this.refused = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<
      RefusalReason,
      number
    >;
  }

  /** Counts a refusal; logs it unless this reason was logged within the last 10 s. */
  refuse(reason: RefusalReason, detail: Record<string, unknown>, message: string): void {
    this.refused[reason]++;
    const nowMs = Date.now();
    const unlogged = (this.#unlogged.get(reason) ?? 0) + 1;
    const last = this.#lastLogMs.get(reason);
    if (last !== undefined && nowMs - last < LOG_INTERVAL_MS) {
      this.#unlogged.set(reason, unlogged);
      return;
    }
    this.#unlogged.set(reason, 0);
    this.#lastLogMs.set(reason, nowMs);
    this.#log.warn(
      { ...detail, reason, since: unlogged, total: this.refused[reason] },
      `${message} (${unlogged} since the last such line, ${this.refused[reason]} in all)`,
    );
  }
}
