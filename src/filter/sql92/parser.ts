/**
 * Recursive-descent parser for RocketMQ's SQL92 selector grammar, loosest binding first:
 *
 *   or         := and ( OR and )*
 *   and        := equality ( AND equality )*
 *   equality   := comparison ( '=' comparison | '<>' comparison | IS [NOT] NULL )*
 *   comparison := unary ( ('>'|'>='|'<'|'<=') unary | [NOT] BETWEEN unary AND unary
 *                       | [NOT] IN '(' string (',' string)* ')'
 *                       | [NOT] (CONTAINS|STARTSWITH|ENDSWITH) string )*
 *   unary      := '+' unary | '-' unary | NOT unary | primary
 *   primary    := literal | identifier | '(' or ')'
 *
 * NOT binds tighter than comparisons, as in RocketMQ: `NOT a > 5` is `(NOT a) > 5`, which is
 * refused, so write `NOT (a > 5)`. The checks RocketMQ makes while building its expression tree
 * (operand types, IN on a property, BETWEEN bounds) are made here so bad filters fail at
 * subscription time. Unlike RocketMQ, which ignores whatever follows a complete expression, text
 * after the expression is an error.
 */
import {
  ComparisonOperator,
  isBooleanNode,
  isLiteral,
  type MatchOperator,
  NumberKind,
  type NumberLiteral,
  type SqlNode,
} from './ast.ts';
import { SqlFilterError } from './errors.ts';
import { MAX_DEPTH_COUNT, MAX_EXPRESSION_LENGTH_CHARS, MAX_IN_ITEMS_COUNT } from './limits.ts';
import { describeToken, tokenize, TokenType, type Token } from './tokenizer.ts';

const INT_MAX = 2147483647n;
const LONG_MAX = 9223372036854775807n;
const ORDERING_OPERATORS: ReadonlySet<string> = new Set(['>', '>=', '<', '<=']);
const MATCH_KEYWORDS: ReadonlySet<string> = new Set(['CONTAINS', 'STARTSWITH', 'ENDSWITH']);

export function parseSqlFilter(expression: string): SqlNode {
  if (expression.length > MAX_EXPRESSION_LENGTH_CHARS) {
    throw new SqlFilterError(
      `expression is ${expression.length} characters, more than the limit of ${MAX_EXPRESSION_LENGTH_CHARS}`,
      undefined,
    );
  }
  return new Parser(tokenize(expression)).parseAll();
}

class Parser {
  private index = 0;
  private nesting = 0;
  /** Tree depth of each inner node; leaves are absent and count as 1. */
  private readonly depths = new Map<SqlNode, number>();

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): SqlNode {
    const start = this.peek();
    if (start.type === TokenType.End)
      throw new SqlFilterError('expression is empty', start.position);
    const node = this.asBoolean(this.parseOr(), start);
    const trailing = this.peek();
    if (trailing.type !== TokenType.End) {
      throw this.unexpected(trailing, 'AND, OR, a comparison or the end of the expression');
    }
    return node;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== TokenType.End) this.index++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.type === TokenType.Keyword && token.text === keyword;
  }

  private isOperator(token: Token, operator: string): boolean {
    return token.type === TokenType.Operator && token.text === operator;
  }

  private unexpected(token: Token, expected: string): SqlFilterError {
    return new SqlFilterError(
      `unexpected ${describeToken(token)}, expected ${expected}`,
      token.position,
    );
  }

  private expectKeyword(keyword: string): Token {
    const token = this.next();
    if (!this.isKeyword(token, keyword)) throw this.unexpected(token, keyword);
    return token;
  }

  private expectOperator(operator: string): Token {
    const token = this.next();
    if (!this.isOperator(token, operator)) throw this.unexpected(token, `'${operator}'`);
    return token;
  }

  private expectString(): string {
    const token = this.next();
    if (token.type !== TokenType.String) throw this.unexpected(token, 'a string literal');
    return token.text;
  }

  private enter(token: Token): void {
    this.nesting++;
    if (this.nesting > MAX_DEPTH_COUNT) {
      throw new SqlFilterError(
        `expression nests deeper than the limit of ${MAX_DEPTH_COUNT}`,
        token.position,
      );
    }
  }

  private build<T extends SqlNode>(node: T, at: Token, children: readonly SqlNode[]): T {
    let deepest = 0;
    for (const child of children) deepest = Math.max(deepest, this.depths.get(child) ?? 1);
    if (deepest + 1 > MAX_DEPTH_COUNT) {
      throw new SqlFilterError(
        `expression nests deeper than the limit of ${MAX_DEPTH_COUNT}`,
        at.position,
      );
    }
    this.depths.set(node, deepest + 1);
    return node;
  }

  /** RocketMQ's asBooleanExpression: a property is cast, other values are refused. */
  private asBoolean(node: SqlNode, at: Token): SqlNode {
    if (isBooleanNode(node) || node.kind === 'property') return node;
    throw new SqlFilterError(
      'expression does not give a boolean (TRUE, FALSE or NULL)',
      at.position,
    );
  }

  /** RocketMQ's checkLessThanOperand: only numbers and non-boolean expressions can be ordered. */
  private checkOrderable(node: SqlNode, at: Token): void {
    if (node.kind === 'number' || node.kind === 'property' || node.kind === 'negate') return;
    throw new SqlFilterError(
      'only numbers and properties can be compared with >, >=, <, <= or BETWEEN',
      at.position,
    );
  }

  private parseLogic(kind: 'and' | 'or'): SqlNode {
    const parseOperand = kind === 'or' ? () => this.parseLogic('and') : () => this.parseEquality();
    const keyword = kind === 'or' ? 'OR' : 'AND';
    const firstToken = this.peek();
    const first = parseOperand();
    if (!this.isKeyword(this.peek(), keyword)) return first;
    const operands = [this.asBoolean(first, firstToken)];
    while (this.isKeyword(this.peek(), keyword)) {
      this.next();
      const operandToken = this.peek();
      operands.push(this.asBoolean(parseOperand(), operandToken));
    }
    return this.build({ kind, operands }, firstToken, operands);
  }

  private parseOr(): SqlNode {
    return this.parseLogic('or');
  }

  private parseEquality(): SqlNode {
    let left = this.parseComparison();
    for (;;) {
      const token = this.peek();
      if (this.isOperator(token, '=') || this.isOperator(token, '<>')) {
        this.next();
        const rightToken = this.peek();
        const right = this.parseComparison();
        if (left.kind === 'null' || right.kind === 'null') {
          throw new SqlFilterError(
            'NULL cannot be compared with = or <>; use IS NULL or IS NOT NULL',
            token.position,
          );
        }
        if (left.kind === 'boolean' && isLiteral(right) && right.kind !== 'boolean') {
          throw new SqlFilterError(
            'a boolean literal cannot be compared with a string or number',
            rightToken.position,
          );
        }
        const operator =
          token.text === '=' ? ComparisonOperator.Equal : ComparisonOperator.NotEqual;
        left = this.build({ kind: 'compare', operator, left, right }, token, [left, right]);
      } else if (this.isKeyword(token, 'IS')) {
        this.next();
        const negated = this.isKeyword(this.peek(), 'NOT');
        if (negated) this.next();
        this.expectKeyword('NULL');
        left = this.build({ kind: 'isNull', negated, operand: left }, token, [left]);
      } else {
        return left;
      }
    }
  }

  private parseComparison(): SqlNode {
    const leftToken = this.peek();
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      let negated = false;
      let keywordToken = token;
      if (this.isKeyword(token, 'NOT')) {
        const following = this.peek(1);
        const isPostfix =
          following.type === TokenType.Keyword &&
          (MATCH_KEYWORDS.has(following.text) ||
            following.text === 'BETWEEN' ||
            following.text === 'IN');
        if (!isPostfix) return left;
        negated = true;
        keywordToken = following;
      }
      if (token.type === TokenType.Operator && ORDERING_OPERATORS.has(token.text)) {
        this.next();
        const rightToken = this.peek();
        const right = this.parseUnary();
        this.checkOrderable(left, leftToken);
        this.checkOrderable(right, rightToken);
        const operator = token.text as ComparisonOperator;
        left = this.build({ kind: 'compare', operator, left, right }, token, [left, right]);
        continue;
      }
      if (keywordToken.type !== TokenType.Keyword) return left;
      if (MATCH_KEYWORDS.has(keywordToken.text)) {
        this.index += negated ? 2 : 1;
        const pattern = this.expectString();
        const operator = keywordToken.text as MatchOperator;
        left = this.build({ kind: 'match', operator, negated, operand: left, pattern }, token, [
          left,
        ]);
      } else if (keywordToken.text === 'BETWEEN') {
        this.index += negated ? 2 : 1;
        left = this.parseBetween(left, leftToken, negated, token);
      } else if (keywordToken.text === 'IN') {
        this.index += negated ? 2 : 1;
        if (left.kind !== 'property') {
          throw new SqlFilterError('IN needs a property name on its left', leftToken.position);
        }
        const values = this.parseInList();
        left = this.build({ kind: 'in', negated, property: left, values }, token, [left]);
      } else {
        return left;
      }
    }
  }

  private parseBetween(value: SqlNode, valueToken: Token, negated: boolean, at: Token): SqlNode {
    const lowToken = this.peek();
    const low = this.parseUnary();
    this.expectKeyword('AND');
    const highToken = this.peek();
    const high = this.parseUnary();
    if (!negated && (low.kind === 'null' || high.kind === 'null')) {
      throw new SqlFilterError(
        'BETWEEN bounds cannot be NULL',
        (low.kind === 'null' ? lowToken : highToken).position,
      );
    }
    this.checkOrderable(value, valueToken);
    this.checkOrderable(low, lowToken);
    this.checkOrderable(high, highToken);
    if (
      !negated &&
      low.kind === 'number' &&
      high.kind === 'number' &&
      compareLiterals(high, low) < 0
    ) {
      // RocketMQ refuses an empty range rather than let it silently match nothing.
      throw new SqlFilterError(
        'BETWEEN lower bound is greater than its upper bound',
        lowToken.position,
      );
    }
    return this.build({ kind: 'between', negated, value, low, high }, at, [value, low, high]);
  }

  private parseInList(): string[] {
    this.expectOperator('(');
    const values = [this.expectString()];
    while (this.isOperator(this.peek(), ',')) {
      const comma = this.next();
      if (values.length >= MAX_IN_ITEMS_COUNT) {
        throw new SqlFilterError(
          `IN list has more than the limit of ${MAX_IN_ITEMS_COUNT} items`,
          comma.position,
        );
      }
      values.push(this.expectString());
    }
    const close = this.peek();
    if (!this.isOperator(close, ')')) throw this.unexpected(close, "',' or ')'");
    this.next();
    return values;
  }

  private parseUnary(): SqlNode {
    const token = this.peek();
    const isSign = this.isOperator(token, '+') || this.isOperator(token, '-');
    if (!isSign && !this.isKeyword(token, 'NOT')) return this.parsePrimary();
    this.next();
    this.enter(token);
    const operandToken = this.peek();
    const operand = this.parseUnary();
    this.nesting--;
    if (token.text === '+') return operand;
    if (token.text === '-') return this.build({ kind: 'negate', operand }, token, [operand]);
    const booleanOperand = this.asBoolean(operand, operandToken);
    return this.build({ kind: 'not', operand: booleanOperand }, token, [booleanOperand]);
  }

  private parsePrimary(): SqlNode {
    const token = this.next();
    switch (token.type) {
      case TokenType.String:
        return { kind: 'string', value: token.text };
      case TokenType.Integer:
        return parseIntegerLiteral(token);
      case TokenType.Float:
        return parseFloatLiteral(token);
      case TokenType.Identifier:
        return { kind: 'property', name: token.text };
      case TokenType.Keyword:
        if (token.text === 'TRUE' || token.text === 'FALSE')
          return { kind: 'boolean', value: token.text === 'TRUE' };
        if (token.text === 'NULL') return { kind: 'null' };
        break;
      case TokenType.Operator:
        if (token.text === '(') {
          this.enter(token);
          const inner = this.parseOr();
          this.nesting--;
          const close = this.peek();
          if (!this.isOperator(close, ')')) throw this.unexpected(close, "')' or an operator");
          this.next();
          return inner;
        }
        break;
      default:
        break;
    }
    throw this.unexpected(token, "a literal, a property name or '('");
  }
}

function parseIntegerLiteral(token: Token): NumberLiteral {
  const last = token.text.charCodeAt(token.text.length - 1);
  const digits = last === 76 || last === 108 ? token.text.slice(0, -1) : token.text;
  const value = BigInt(digits);
  if (value > LONG_MAX) {
    throw new SqlFilterError(
      `integer ${token.text} is out of the range of a 64-bit long`,
      token.position,
    );
  }
  if (value <= INT_MAX) return { kind: 'number', numberKind: NumberKind.Int, value: Number(value) };
  return { kind: 'number', numberKind: NumberKind.Long, value };
}

function parseFloatLiteral(token: Token): NumberLiteral {
  const value = Number(token.text);
  if (!Number.isFinite(value)) {
    throw new SqlFilterError(
      `number ${token.text} is out of the range of a double`,
      token.position,
    );
  }
  return { kind: 'number', numberKind: NumberKind.Double, value };
}

function compareLiterals(left: NumberLiteral, right: NumberLiteral): number {
  if (left.numberKind === NumberKind.Double || right.numberKind === NumberKind.Double) {
    return Math.sign(Number(left.value) - Number(right.value));
  }
  const a = BigInt(left.value);
  const b = BigInt(right.value);
  return a < b ? -1 : a > b ? 1 : 0;
}
