/**
 * Lexer for RocketMQ's SQL92 selector (its SelectorParser.jj, derived from ActiveMQ's):
 *
 *   keywords   NOT AND OR BETWEEN IN TRUE FALSE NULL IS CONTAINS STARTSWITH ENDSWITH, any case
 *   integer    0 | [1-9][0-9]* [lL]?            (a Java long)
 *   float      d+ . d* exp? | . d+ exp? | d+ exp  with exp = [eE] [+-]? d+
 *   string     ' ( '' | any but ' )* '
 *   identifier [a-zA-Z_$] [a-zA-Z0-9_$.]*        (RocketMQ stops at '.'; we also take it inside
 *                                                 names such as order.type, which RocketMQ rejects)
 *   operators  = <> > >= < <= ( ) , + -
 *   skipped    space \t \n \r \f, "-- ..." ended by a line break, and block comments
 *
 * Every scan is a single forward pass with no backtracking, so the cost is linear in the input.
 */
import { SqlFilterError } from './errors.ts';

export const TokenType = {
  Identifier: 'identifier',
  Keyword: 'keyword',
  Integer: 'integer',
  Float: 'float',
  String: 'string',
  Operator: 'operator',
  End: 'end',
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

export interface Token {
  readonly type: TokenType;
  /** Keywords upper-cased, strings decoded, everything else as written. */
  readonly text: string;
  readonly position: number;
}

const KEYWORDS: ReadonlySet<string> = new Set([
  'NOT',
  'AND',
  'OR',
  'BETWEEN',
  'IN',
  'TRUE',
  'FALSE',
  'NULL',
  'IS',
  'CONTAINS',
  'STARTSWITH',
  'ENDSWITH',
]);

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isIdentifierStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36;
}

function isIdentifierPart(code: number): boolean {
  return isIdentifierStart(code) || isDigit(code) || code === 46;
}

function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12;
}

/** Describes a token for error messages. */
export function describeToken(token: Token): string {
  switch (token.type) {
    case TokenType.End:
      return 'end of expression';
    case TokenType.String:
      return `string '${token.text.length > 20 ? token.text.slice(0, 20) + '…' : token.text}'`;
    case TokenType.Keyword:
      return token.text;
    default:
      return `'${token.text.length > 20 ? token.text.slice(0, 20) + '…' : token.text}'`;
  }
}

export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const length = expression.length;
  let index = 0;
  while (index < length) {
    const code = expression.charCodeAt(index);
    if (isWhitespace(code)) {
      index++;
      continue;
    }
    const start = index;
    if (code === 45 && expression.charCodeAt(index + 1) === 45) {
      // As in RocketMQ, "--" opens a comment only when a line break closes it; otherwise the two
      // dashes are two minus signs.
      const end = findLineBreak(expression, index + 2);
      if (end >= 0) {
        index = end + 1;
        continue;
      }
    }
    if (code === 47 && expression.charCodeAt(index + 1) === 42) {
      const end = expression.indexOf('*/', index + 2);
      if (end < 0) throw new SqlFilterError('unterminated comment', start);
      index = end + 2;
      continue;
    }
    if (isIdentifierStart(code)) {
      index++;
      while (index < length && isIdentifierPart(expression.charCodeAt(index))) index++;
      const text = expression.slice(start, index);
      const upper = text.toUpperCase();
      if (KEYWORDS.has(upper))
        tokens.push({ type: TokenType.Keyword, text: upper, position: start });
      else tokens.push({ type: TokenType.Identifier, text, position: start });
      continue;
    }
    if (isDigit(code) || (code === 46 && isDigit(expression.charCodeAt(index + 1)))) {
      index = scanNumber(expression, start, tokens);
      continue;
    }
    if (code === 39) {
      index = scanString(expression, start, tokens);
      continue;
    }
    index = scanOperator(expression, start, tokens);
  }
  tokens.push({ type: TokenType.End, text: '', position: length });
  return tokens;
}

function findLineBreak(expression: string, from: number): number {
  for (let index = from; index < expression.length; index++) {
    const code = expression.charCodeAt(index);
    if (code === 10 || code === 13) return index;
  }
  return -1;
}

function scanDigits(expression: string, from: number): number {
  let index = from;
  while (index < expression.length && isDigit(expression.charCodeAt(index))) index++;
  return index;
}

/** Returns the index after an exponent at `from`, or `from` when there is none. */
function scanExponent(expression: string, from: number): number {
  const code = expression.charCodeAt(from);
  if (code !== 69 && code !== 101) return from;
  let index = from + 1;
  const sign = expression.charCodeAt(index);
  if (sign === 43 || sign === 45) index++;
  const end = scanDigits(expression, index);
  return end > index ? end : from;
}

function scanNumber(expression: string, start: number, tokens: Token[]): number {
  const integerEnd = scanDigits(expression, start);
  let index = integerEnd;
  let isFloat = false;
  if (expression.charCodeAt(index) === 46) {
    isFloat = true;
    index = scanDigits(expression, index + 1);
  }
  const exponentEnd = scanExponent(expression, index);
  if (exponentEnd > index) {
    isFloat = true;
    index = exponentEnd;
  }
  if (isFloat) {
    tokens.push({ type: TokenType.Float, text: expression.slice(start, index), position: start });
    return index;
  }
  // A leading zero ends the literal: "007" is three tokens, as in RocketMQ's grammar.
  if (expression.charCodeAt(start) === 48) index = start + 1;
  else {
    const suffix = expression.charCodeAt(index);
    if (suffix === 76 || suffix === 108) index++;
  }
  tokens.push({ type: TokenType.Integer, text: expression.slice(start, index), position: start });
  return index;
}

function scanString(expression: string, start: number, tokens: Token[]): number {
  let text = '';
  let chunkStart = start + 1;
  let index = start + 1;
  for (;;) {
    const quote = expression.indexOf("'", index);
    if (quote < 0) throw new SqlFilterError('unterminated string literal', start);
    if (expression.charCodeAt(quote + 1) === 39) {
      text += expression.slice(chunkStart, quote + 1);
      index = quote + 2;
      chunkStart = index;
      continue;
    }
    text += expression.slice(chunkStart, quote);
    tokens.push({ type: TokenType.String, text, position: start });
    return quote + 1;
  }
}

function scanOperator(expression: string, start: number, tokens: Token[]): number {
  const code = expression.charCodeAt(start);
  const next = expression.charCodeAt(start + 1);
  let text: string;
  if (code === 60 && (next === 62 || next === 61)) text = next === 62 ? '<>' : '<=';
  else if (code === 62 && next === 61) text = '>=';
  else if (code === 61 || code === 60 || code === 62 || code === 40 || code === 41 || code === 44) {
    text = expression[start]!;
  } else if (code === 43 || code === 45) text = expression[start]!;
  else {
    const shown = String.fromCodePoint(expression.codePointAt(start)!);
    const hint =
      code === 33
        ? " (use '<>' for not equal)"
        : code === 34
          ? ' (strings take single quotes)'
          : '';
    throw new SqlFilterError(`unexpected character '${shown}'${hint}`, start);
  }
  tokens.push({ type: TokenType.Operator, text, position: start });
  return start + text.length;
}
