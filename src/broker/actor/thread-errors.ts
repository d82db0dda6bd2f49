/**
 * Errors thrown across the comlink control plane keep their `code` (and the store's `option`
 * and `existing`, the config's `key`): comlink's own handler sends only name, message and
 * stack, so a caller on the coordinator could not tell a StoreError's code from a bug. Both
 * threads register this handler before any call.
 */
import * as Comlink from 'comlink';

/** Fields copied besides name and message; only primitive values cross. */
const CARRIED_FIELDS = ['code', 'option', 'existing', 'key', 'errno', 'syscall'] as const;
const MAX_MESSAGE_CHARS = 16 * 1024;

export interface ThreadErrorFields {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  option?: string;
  existing?: number | string;
  key?: string;
}

type ThrowHandler = Comlink.TransferHandler<unknown, unknown>;
type Serialized = { isError: true; value: ThreadErrorFields } | { isError: false; value: unknown };

/** An error as plain fields that survive structured clone; anything else passes unchanged. */
export function errorToFields(error: unknown): ThreadErrorFields | undefined {
  if (!(error instanceof Error)) return undefined;
  const fields: Record<string, unknown> = {
    name: error.name,
    message: error.message.slice(0, MAX_MESSAGE_CHARS),
    stack: error.stack,
  };
  const source = error as unknown as Record<string, unknown>;
  for (const field of CARRIED_FIELDS) {
    const value = source[field];
    if (typeof value === 'string' || typeof value === 'number') fields[field] = value;
  }
  return fields as unknown as ThreadErrorFields;
}

/** Rebuilds an Error with the carried fields (its class is not kept: test `code`). */
export function errorFromFields(fields: ThreadErrorFields): Error {
  return Object.assign(new Error(fields.message), fields);
}

let registered = false;

/** Replaces comlink's 'throw' handler in this thread; idempotent. */
export function registerThreadErrors(): void {
  if (registered) return;
  const original = Comlink.transferHandlers.get('throw') as ThrowHandler | undefined;
  if (!original) throw new Error("comlink has no 'throw' transfer handler to extend");
  const handler: ThrowHandler = {
    canHandle: original.canHandle,
    serialize: (thrown) => {
      const value = (thrown as { value: unknown }).value;
      const fields = errorToFields(value);
      const serialized: Serialized =
        fields === undefined ? { isError: false, value } : { isError: true, value: fields };
      return [serialized, []];
    },
    deserialize: (serialized) => {
      const { isError, value } = serialized as Serialized;
      throw isError ? errorFromFields(value as ThreadErrorFields) : value;
    },
  };
  Comlink.transferHandlers.set('throw', handler);
  registered = true;
}
