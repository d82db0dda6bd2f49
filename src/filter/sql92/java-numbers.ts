/**
 * Message properties are strings; RocketMQ converts one to the Java type of the value it is
 * compared with (Integer.valueOf, Long.valueOf, Double.valueOf, Boolean.valueOf). These functions
 * accept what those accept, with two exceptions noted below, and return undefined where Java
 * would throw NumberFormatException. Each is a single scan with no regular expression and no
 * allocation on the int and double paths.
 *
 * Not accepted, unlike Java: non-ASCII digits in integers and hexadecimal floats ("0x1p3").
 */

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Index of the first digit after an optional sign, or -1 if no digits follow or a non-digit does. */
function integerDigitsStart(text: string): number {
  const first = text.charCodeAt(0);
  const start = first === 43 || first === 45 ? 1 : 0;
  if (start >= text.length) return -1;
  for (let index = start; index < text.length; index++) {
    if (!isDigit(text.charCodeAt(index))) return -1;
  }
  return start;
}

export function parseJavaInt(text: string): number | undefined {
  const start = integerDigitsStart(text);
  if (start < 0) return undefined;
  let value = 0;
  for (let index = start; index < text.length; index++) {
    value = value * 10 + (text.charCodeAt(index) - 48);
    if (value > INT_MAX + 1) return undefined;
  }
  const signed = start === 1 && text.charCodeAt(0) === 45 ? -value : value;
  return signed < INT_MIN || signed > INT_MAX ? undefined : signed;
}

export function parseJavaLong(text: string): bigint | undefined {
  const start = integerDigitsStart(text);
  if (start < 0) return undefined;
  let leadingZeros = start;
  while (leadingZeros < text.length - 1 && text.charCodeAt(leadingZeros) === 48) leadingZeros++;
  if (text.length - leadingZeros > 19) return undefined;
  const value = BigInt(text);
  return value < LONG_MIN || value > LONG_MAX ? undefined : value;
}

function isTrimmed(code: number): boolean {
  return code <= 32;
}

function matchesWord(text: string, from: number, end: number, word: string): boolean {
  return end - from === word.length && text.startsWith(word, from);
}

/** Double.valueOf: surrounding control characters and spaces trimmed, NaN and Infinity spelled out,
 * an optional f/F/d/D suffix. Returns undefined where Java throws (NaN is a valid result). */
export function parseJavaDouble(text: string): number | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isTrimmed(text.charCodeAt(start))) start++;
  while (end > start && isTrimmed(text.charCodeAt(end - 1))) end--;
  let index = start;
  const sign = text.charCodeAt(index);
  if (sign === 43 || sign === 45) index++;
  if (matchesWord(text, index, end, 'NaN')) return NaN;
  if (matchesWord(text, index, end, 'Infinity')) return sign === 45 ? -Infinity : Infinity;
  let digitCount = 0;
  while (index < end && isDigit(text.charCodeAt(index))) {
    index++;
    digitCount++;
  }
  if (index < end && text.charCodeAt(index) === 46) {
    index++;
    while (index < end && isDigit(text.charCodeAt(index))) {
      index++;
      digitCount++;
    }
  }
  if (digitCount === 0) return undefined;
  const exponent = text.charCodeAt(index);
  if (index < end && (exponent === 69 || exponent === 101)) {
    index++;
    const exponentSign = text.charCodeAt(index);
    if (exponentSign === 43 || exponentSign === 45) index++;
    const exponentStart = index;
    while (index < end && isDigit(text.charCodeAt(index))) index++;
    if (index === exponentStart) return undefined;
  }
  const coreEnd = index;
  if (index < end) {
    const suffix = text.charCodeAt(index) | 32;
    if (suffix !== 102 && suffix !== 100) return undefined;
    index++;
  }
  if (index !== end) return undefined;
  return start === 0 && coreEnd === text.length ? Number(text) : Number(text.slice(start, coreEnd));
}

/** Boolean.valueOf: true only for "true" in any case. */
export function parseJavaBoolean(text: string): boolean {
  return text.length === 4 && text.toLowerCase() === 'true';
}

/** Double.compareTo: -0.0 sorts before 0.0, and NaN equals itself and sorts after everything. */
export function compareJavaDoubles(left: number, right: number): number {
  if (left < right) return -1;
  if (left > right) return 1;
  if (left === right) {
    if (left !== 0) return 0;
    const leftNegative = Object.is(left, -0);
    return leftNegative === Object.is(right, -0) ? 0 : leftNegative ? -1 : 1;
  }
  const leftNaN = Number.isNaN(left);
  const rightNaN = Number.isNaN(right);
  return leftNaN && rightNaN ? 0 : leftNaN ? 1 : -1;
}

export function compareBigInts(left: bigint, right: bigint): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
