/**
 * The parsed form of a SQL92 filter. AND and OR chains are flattened into one node each, so the
 * tree stays shallow however many terms a subscription joins.
 *
 * Numbers keep RocketMQ's Java types because they decide how a property string is converted:
 * an integer literal in the int range is an `int` (the property must parse as a Java int), a
 * larger one a `long`, and a literal with a point or exponent a `double`.
 */
export const NumberKind = { Int: 'int', Long: 'long', Double: 'double' } as const;
export type NumberKind = (typeof NumberKind)[keyof typeof NumberKind];

export const ComparisonOperator = {
  Equal: '=',
  NotEqual: '<>',
  Greater: '>',
  GreaterOrEqual: '>=',
  Less: '<',
  LessOrEqual: '<=',
} as const;
export type ComparisonOperator = (typeof ComparisonOperator)[keyof typeof ComparisonOperator];

export const MatchOperator = {
  Contains: 'CONTAINS',
  StartsWith: 'STARTSWITH',
  EndsWith: 'ENDSWITH',
} as const;
export type MatchOperator = (typeof MatchOperator)[keyof typeof MatchOperator];

export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
}
/** `int` values are numbers; `long` values are bigints (exact past 2^53); `double` numbers. */
export interface NumberLiteral {
  readonly kind: 'number';
  readonly numberKind: NumberKind;
  readonly value: number | bigint;
}
export interface BooleanLiteral {
  readonly kind: 'boolean';
  readonly value: boolean;
}
export interface NullLiteral {
  readonly kind: 'null';
}
export interface PropertyReference {
  readonly kind: 'property';
  readonly name: string;
}
export interface Negate {
  readonly kind: 'negate';
  readonly operand: SqlNode;
}
export interface Not {
  readonly kind: 'not';
  readonly operand: SqlNode;
}
export interface Logic {
  readonly kind: 'and' | 'or';
  readonly operands: readonly SqlNode[];
}
export interface Comparison {
  readonly kind: 'compare';
  readonly operator: ComparisonOperator;
  readonly left: SqlNode;
  readonly right: SqlNode;
}
export interface Between {
  readonly kind: 'between';
  readonly negated: boolean;
  readonly value: SqlNode;
  readonly low: SqlNode;
  readonly high: SqlNode;
}
export interface InList {
  readonly kind: 'in';
  readonly negated: boolean;
  readonly property: PropertyReference;
  readonly values: readonly string[];
}
export interface IsNull {
  readonly kind: 'isNull';
  readonly negated: boolean;
  readonly operand: SqlNode;
}
export interface StringMatch {
  readonly kind: 'match';
  readonly operator: MatchOperator;
  readonly negated: boolean;
  readonly operand: SqlNode;
  readonly pattern: string;
}

export type Literal = StringLiteral | NumberLiteral | BooleanLiteral | NullLiteral;
export type SqlNode =
  | Literal
  | PropertyReference
  | Negate
  | Not
  | Logic
  | Comparison
  | Between
  | InList
  | IsNull
  | StringMatch;

/** Nodes RocketMQ treats as BooleanExpression: TRUE, FALSE and NULL are among them. */
export function isBooleanNode(node: SqlNode): boolean {
  switch (node.kind) {
    case 'string':
    case 'number':
    case 'property':
    case 'negate':
      return false;
    default:
      return true;
  }
}

export function isLiteral(node: SqlNode): node is Literal {
  return (
    node.kind === 'string' ||
    node.kind === 'number' ||
    node.kind === 'boolean' ||
    node.kind === 'null'
  );
}

export function collectProperties(node: SqlNode, into: Set<string>): void {
  switch (node.kind) {
    case 'property':
      into.add(node.name);
      return;
    case 'negate':
    case 'not':
    case 'isNull':
    case 'match':
      collectProperties(node.operand, into);
      return;
    case 'and':
    case 'or':
      for (const operand of node.operands) collectProperties(operand, into);
      return;
    case 'compare':
      collectProperties(node.left, into);
      collectProperties(node.right, into);
      return;
    case 'between':
      collectProperties(node.value, into);
      collectProperties(node.low, into);
      collectProperties(node.high, into);
      return;
    case 'in':
      into.add(node.property.name);
      return;
    default:
      return;
  }
}
