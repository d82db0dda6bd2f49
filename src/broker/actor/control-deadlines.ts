/**
 * Deadlines for coordinator → actor control calls. comlink gives a call no deadline, and a
 * call to a thread that has exited simply never settles, so one stuck or dead actor could hang
 * an admin request, a metrics scrape or the broker's own start and stop. Every call here
 * rejects with a ControlCallError naming the method after its deadline, or at once when the
 * thread is gone.
 */
import type * as Comlink from 'comlink';
import type { ErrorCodeEntry } from '../../protocol/thrustmq-error.ts';
import { errorCodeEntries, ThrustMQError } from '../../protocol/thrustmq-error.ts';

export const ControlCallErrorCode = {
  TIMEOUT: 'CONTROL_TIMEOUT',
  ACTOR_GONE: 'CONTROL_ACTOR_GONE',
} as const;
export type ControlCallErrorCode = (typeof ControlCallErrorCode)[keyof typeof ControlCallErrorCode];

export const CONTROL_ERROR_CODES: readonly ErrorCodeEntry[] =
  errorCodeEntries<ControlCallErrorCode>('control', 'ControlCallError', {
    CONTROL_TIMEOUT: "a queue actor did not answer a control call within the method's deadline",
    CONTROL_ACTOR_GONE: "a queue actor's thread exited or failed before answering a control call",
  });

export class ControlCallError extends ThrustMQError {
  override readonly name = 'ControlCallError';
  declare readonly code: ControlCallErrorCode;
  readonly method: string;
  readonly actor: number;

  constructor(code: ControlCallErrorCode, actor: number, method: string, message: string) {
    super(code, message);
    this.actor = actor;
    this.method = method;
  }
}

/** Default deadlines in ms: reads are quick; flush and close write every shard to disk. */
export const CONTROL_DEADLINES_MS: Readonly<Record<string, number>> = {
  default: 10_000,
  flush: 30_000,
  close: 30_000,
  deleteTopic: 30_000,
  queryByKey: 15_000,
};

/** Opening (and recovering) every shard of an actor. */
export const ACTOR_READY_DEADLINE_MS = 120_000;

/**
 * Whether an actor's thread still runs; calls in flight are told when it stops. At most one
 * listener per call in flight, removed when the call settles.
 */
export class Lifeline {
  readonly actor: number;
  private goneError: Error | undefined;
  private readonly listeners = new Set<(error: Error) => void>();

  constructor(actor: number) {
    this.actor = actor;
  }

  get gone(): Error | undefined {
    return this.goneError;
  }

  get callsInFlight(): number {
    return this.listeners.size;
  }

  /** Rejects every call in flight; later calls reject at once. The first reason is kept. */
  end(reason: Error): void {
    if (this.goneError !== undefined) return;
    this.goneError = reason;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener(reason);
  }

  /**
   * Runs call with a deadline: rejects with ControlCallError TIMEOUT after deadlineMs, or
   * ACTOR_GONE when the thread ends first. A late answer after either is dropped.
   */
  call<T>(method: string, deadlineMs: number, call: () => Promise<T>): Promise<T> {
    const goneBefore = this.goneError;
    if (goneBefore !== undefined) return Promise.reject(this.goneFailure(method, goneBefore));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        this.listeners.delete(onGone);
        return true;
      };
      const onGone = (reason: Error): void => {
        if (finish()) reject(this.goneFailure(method, reason));
      };
      const timer = setTimeout(() => {
        if (!finish()) return;
        reject(
          new ControlCallError(
            ControlCallErrorCode.TIMEOUT,
            this.actor,
            method,
            `queue actor ${this.actor} did not answer ${method} within ${deadlineMs} ms`,
          ),
        );
      }, deadlineMs);
      this.listeners.add(onGone);
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (error) {
        if (finish()) reject(error);
        return;
      }
      pending.then(
        (value) => {
          if (finish()) resolve(value);
        },
        (error: unknown) => {
          if (finish()) reject(error);
        },
      );
    });
  }

  private goneFailure(method: string, reason: Error): ControlCallError {
    return new ControlCallError(
      ControlCallErrorCode.ACTOR_GONE,
      this.actor,
      method,
      `queue actor ${this.actor} is gone (${reason.message}); ${method} was not answered`,
    );
  }
}

/**
 * A view of a comlink remote whose every method call goes through lifeline with its deadline
 * (CONTROL_DEADLINES_MS by method name, else the default). Only method calls are supported:
 * control objects expose no fields.
 */
export function withDeadlines<T extends object>(
  remote: Comlink.Remote<T>,
  lifeline: Lifeline,
  deadlines: Readonly<Record<string, number>> = CONTROL_DEADLINES_MS,
): Comlink.Remote<T> {
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  const target = remote as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return new Proxy({} as Comlink.Remote<T>, {
    get(_, property) {
      // Not thenable, so `await host.control(0)` does not send a call named "then".
      if (typeof property !== 'string' || property === 'then') return undefined;
      let method = methods.get(property);
      if (method === undefined) {
        const deadlineMs = deadlines[property] ?? deadlines['default'] ?? 10_000;
        method = (...args) => lifeline.call(property, deadlineMs, () => target[property]!(...args));
        methods.set(property, method);
      }
      return method;
    },
  });
}
