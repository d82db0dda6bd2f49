/**
 * Run-time values and RocketMQ's comparison rules (its ComparisonExpression with string
 * conversion on, which RocketMQ always turns on).
 *
 * A value is a property string, a boolean from a nested condition, a number (numbers only come
 * from literals, so they are built once at compile time), or null for a missing property or an
 * unknown condition. Where RocketMQ would throw while converting (a property "abc" compared with
 * 5), the comparison here is unknown instead; RocketMQ's broker drops the message on the
 * exception, and an unknown comparison drops it too unless an OR elsewhere rescues it.
 */
import { NumberKind } from './ast.ts';
import {
  compareBigInts,
  compareJavaDoubles,
  parseJavaBoolean,
  parseJavaDouble,
  parseJavaInt,
  parseJavaLong,
} from './java-numbers.ts';

/** Three-valued logic: FALSE, TRUE, or UNKNOWN (SQL's NULL). Only TRUE matches. */
export const Tri = { False: 0, True: 1, Unknown: 2 } as const;
export type Tri = (typeof Tri)[keyof typeof Tri];

export class NumberValue {
  /** The value as a double (a long rounds as Java's long-to-double conversion does). */
  readonly asDouble: number;
  /** Exact value for int and long; unused for double. */
  readonly asBigInt: bigint;

  constructor(
    readonly kind: NumberKind,
    value: number | bigint,
  ) {
    this.asDouble = Number(value);
    this.asBigInt = kind === NumberKind.Double ? 0n : BigInt(value);
  }

  negate(): NumberValue {
    if (this.kind === NumberKind.Double) return new NumberValue(this.kind, -this.asDouble);
    if (this.kind === NumberKind.Int) return new NumberValue(this.kind, -this.asDouble || 0);
    return new NumberValue(this.kind, -this.asBigInt);
  }
}

export type Value = string | boolean | NumberValue | null;

/** Compares a property string with a number of the given kind; NaN when the string does not convert. */
export function compareStringWithNumber(text: string, number: NumberValue): number {
  switch (number.kind) {
    case NumberKind.Int: {
      const parsed = parseJavaInt(text);
      if (parsed === undefined) return NaN;
      return parsed < number.asDouble ? -1 : parsed > number.asDouble ? 1 : 0;
    }
    case NumberKind.Long: {
      const parsed = parseJavaLong(text);
      return parsed === undefined ? NaN : compareBigInts(parsed, number.asBigInt);
    }
    default: {
      const parsed = parseJavaDouble(text);
      return parsed === undefined ? NaN : compareJavaDoubles(parsed, number.asDouble);
    }
  }
}

function compareNumbers(left: NumberValue, right: NumberValue): number {
  if (left.kind === NumberKind.Double || right.kind === NumberKind.Double) {
    return compareJavaDoubles(left.asDouble, right.asDouble);
  }
  return compareBigInts(left.asBigInt, right.asBigInt);
}

function compareBooleans(left: boolean, right: boolean): number {
  return left === right ? 0 : left ? 1 : -1;
}

/**
 * Java's `__compare` on two non-null values: the left converts to the right's type or the other
 * way round; a boolean and a number are simply unequal (-1). NaN when a conversion fails.
 */
export function compareValues(left: Exclude<Value, null>, right: Exclude<Value, null>): number {
  if (typeof left === 'string') {
    if (typeof right === 'string') return left === right ? 0 : left < right ? -1 : 1;
    if (typeof right === 'boolean') return compareBooleans(parseJavaBoolean(left), right);
    return compareStringWithNumber(left, right);
  }
  if (typeof left === 'boolean') {
    if (typeof right === 'boolean') return compareBooleans(left, right);
    // RocketMQ fails with a ClassCastException here; converting like the mirrored case is kinder.
    if (typeof right === 'string') return compareBooleans(left, parseJavaBoolean(right));
    return -1;
  }
  if (typeof right === 'string') {
    const order = compareStringWithNumber(right, left);
    return order === 0 ? 0 : -order;
  }
  if (typeof right === 'boolean') return -1;
  return compareNumbers(left, right);
}

/**
 * `=` as RocketMQ evaluates it, including its asymmetry: a missing left side is unknown, a
 * missing right side against a present left is FALSE, and two missing sides are equal.
 */
export function evaluateEqual(left: Value, right: Value): Tri {
  if (left === null) return right === null ? Tri.True : Tri.Unknown;
  if (right === null) return Tri.False;
  const order = compareValues(left, right);
  return order !== order ? Tri.Unknown : order === 0 ? Tri.True : Tri.False;
}

/** Order of two values for >, >=, < and <=; NaN when unknown. Two strings compare as doubles. */
export function orderValues(left: Value, right: Value): number {
  if (left === null || right === null) return NaN;
  if (typeof left === 'string' && typeof right === 'string') {
    const leftNumber = parseJavaDouble(left);
    const rightNumber = parseJavaDouble(right);
    if (leftNumber === undefined || rightNumber === undefined) return NaN;
    return compareJavaDoubles(leftNumber, rightNumber);
  }
  return compareValues(left, right);
}
