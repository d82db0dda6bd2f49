/**
 * The base of every ThrustMQ error. `code` is stable (UPPER_SNAKE, its family's prefix, such as
 * STORE_DISK_FULL): callers, scripts and the CLI's exit codes match on it, never on the message,
 * which is written for people and may change. A leaf module: the store and the ring import it,
 * so it imports nothing.
 */
export class ThrustMQError extends Error {
  override readonly name: string = 'ThrustMQError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    // No `cause` key at all when none is given: an own undefined cause shows in inspect output.
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** One documented code: what the README's error table shows for it. */
export interface ErrorCodeEntry {
  readonly code: string;
  /** The family, which is also the code's prefix in lower case (store for STORE_...). */
  readonly family: string;
  /** The class that carries the code. */
  readonly className: string;
  /** One line: what went wrong. */
  readonly meaning: string;
}

/**
 * The entries of one class's codes. Typed by the family's code union, so a code added without a
 * meaning does not compile.
 */
export function errorCodeEntries<C extends string>(
  family: string,
  className: string,
  meanings: Readonly<Record<C, string>>,
): ErrorCodeEntry[] {
  return Object.entries<string>(meanings).map(([code, meaning]) => ({
    code,
    family,
    className,
    meaning,
  }));
}
