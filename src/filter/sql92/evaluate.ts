/**
 * Turns a parsed filter into closures, once per subscription, so that matching a message is a
 * few property reads and comparisons with no allocation (beyond the rare long-literal path).
 * Common shapes (property against literal, IN, IS NULL) get dedicated closures; the rest goes
 * through the general rules in values.ts.
 *
 * Semantics follow RocketMQ: three-valued logic, a property used as a condition is FALSE when
 * present and unknown when missing, CONTAINS/STARTSWITH/ENDSWITH (and their NOT forms) are FALSE
 * for a missing property or an empty pattern, and IN on a missing property is unknown.
 */
import assert from 'node:assert';
import type { Comparison, SqlNode, StringMatch } from './ast.ts';
import {
  compareStringWithNumber,
  evaluateEqual,
  NumberValue,
  orderValues,
  Tri,
  type Value,
} from './values.ts';

export type Properties = Readonly<Record<string, string>>;
export type Condition = (properties: Properties) => Tri;
type ValueReader = (properties: Properties) => Value;

/** What a comparison operand is, known at compile time. */
type Operand =
  | { readonly type: 'constant'; readonly value: Value }
  | { readonly type: 'property'; readonly name: string }
  | { readonly type: 'condition'; readonly condition: Condition };

const ORDER_TESTS: Readonly<Record<string, (order: number) => boolean>> = {
  '>': (order) => order > 0,
  '>=': (order) => order >= 0,
  '<': (order) => order < 0,
  '<=': (order) => order <= 0,
};

const always =
  (result: Tri): Condition =>
  () =>
    result;

function readProperty(properties: Properties, name: string): string | null {
  const value = properties[name];
  // typeof also screens out what a plain object inherits ("constructor", "__proto__").
  return typeof value === 'string' ? value : null;
}

function not(result: Tri): Tri {
  return result === Tri.Unknown ? Tri.Unknown : result === Tri.True ? Tri.False : Tri.True;
}

export function compileCondition(node: SqlNode): Condition {
  switch (node.kind) {
    case 'boolean':
      return always(node.value ? Tri.True : Tri.False);
    case 'null':
      return always(Tri.Unknown);
    case 'property': {
      const name = node.name;
      // RocketMQ's boolean cast: a string is never Boolean.TRUE.
      return (properties) => (readProperty(properties, name) === null ? Tri.Unknown : Tri.False);
    }
    case 'not': {
      const operand = compileCondition(node.operand);
      return (properties) => not(operand(properties));
    }
    case 'and':
    case 'or':
      return compileLogic(
        node.kind,
        node.operands.map((operand) => compileCondition(operand)),
      );
    case 'compare':
      return compileComparison(
        node.operator,
        compileOperand(node.left),
        compileOperand(node.right),
      );
    case 'between': {
      const value = compileOperand(node.value);
      const low = compileOperand(node.low);
      const high = compileOperand(node.high);
      return node.negated
        ? compileLogic('or', [
            compileComparison('<', value, low),
            compileComparison('>', value, high),
          ])
        : compileLogic('and', [
            compileComparison('>=', value, low),
            compileComparison('<=', value, high),
          ]);
    }
    case 'in':
      return compileIn(node.property.name, node.values, node.negated);
    case 'isNull':
      return compileIsNull(compileOperand(node.operand), node.negated);
    case 'match':
      return compileMatch(node);
    default:
      assert.fail(`the parser lets no ${node.kind} stand as a condition`);
  }
}

function compileLogic(kind: 'and' | 'or', operands: readonly Condition[]): Condition {
  // AND stops at the first FALSE, OR at the first TRUE; otherwise an unknown operand makes the
  // whole unknown.
  const decisive = kind === 'and' ? Tri.False : Tri.True;
  const otherwise = kind === 'and' ? Tri.True : Tri.False;
  if (operands.length === 2) {
    const [first, second] = operands as [Condition, Condition];
    return (properties) => {
      const left = first(properties);
      if (left === decisive) return decisive;
      const right = second(properties);
      if (right === decisive) return decisive;
      return left === Tri.Unknown || right === Tri.Unknown ? Tri.Unknown : otherwise;
    };
  }
  return (properties) => {
    let result: Tri = otherwise;
    for (let index = 0; index < operands.length; index++) {
      const value = operands[index]!(properties);
      if (value === decisive) return decisive;
      if (value === Tri.Unknown) result = Tri.Unknown;
    }
    return result;
  };
}

function compileOperand(node: SqlNode): Operand {
  switch (node.kind) {
    case 'string':
    case 'boolean':
      return { type: 'constant', value: node.value };
    case 'null':
      return { type: 'constant', value: null };
    case 'number':
      return { type: 'constant', value: new NumberValue(node.numberKind, node.value) };
    case 'property':
      return { type: 'property', name: node.name };
    case 'negate': {
      // Only a number negates; RocketMQ gives null for anything else, including a property,
      // whose value is always a string.
      const operand = compileOperand(node.operand);
      const value =
        operand.type === 'constant' && operand.value instanceof NumberValue
          ? operand.value.negate()
          : null;
      return { type: 'constant', value };
    }
    default:
      return { type: 'condition', condition: compileCondition(node) };
  }
}

function reader(operand: Operand): ValueReader {
  switch (operand.type) {
    case 'constant': {
      const value = operand.value;
      return () => value;
    }
    case 'property': {
      const name = operand.name;
      return (properties) => readProperty(properties, name);
    }
    default: {
      const condition = operand.condition;
      return (properties) => {
        const result = condition(properties);
        return result === Tri.Unknown ? null : result === Tri.True;
      };
    }
  }
}

function compileComparison(
  operator: Comparison['operator'],
  left: Operand,
  right: Operand,
): Condition {
  if (operator === '<>') {
    const equal = compileComparison('=', left, right);
    return (properties) => not(equal(properties));
  }
  const special = compilePropertyAgainstConstant(operator, left, right);
  if (special !== undefined) return special;
  const readLeft = reader(left);
  const readRight = reader(right);
  if (operator === '=')
    return (properties) => evaluateEqual(readLeft(properties), readRight(properties));
  const test = ORDER_TESTS[operator]!;
  return (properties) => {
    const order = orderValues(readLeft(properties), readRight(properties));
    return order !== order ? Tri.Unknown : test(order) ? Tri.True : Tri.False;
  };
}

/** The hot shapes `prop OP number` and `prop = 'text'` (either side), read without indirection. */
function compilePropertyAgainstConstant(
  operator: Comparison['operator'],
  left: Operand,
  right: Operand,
): Condition | undefined {
  const propertyOnLeft = left.type === 'property' && right.type === 'constant';
  const propertyOnRight = right.type === 'property' && left.type === 'constant';
  if (!propertyOnLeft && !propertyOnRight) return undefined;
  const name = propertyOnLeft ? left.name : (right as { name: string }).name;
  const constant = propertyOnLeft
    ? (right as { value: Value }).value
    : (left as { value: Value }).value;
  // RocketMQ's '=' is unknown for a missing left side but FALSE for a missing right side.
  const whenMissing = operator === '=' && propertyOnRight ? Tri.False : Tri.Unknown;
  if (constant instanceof NumberValue) {
    const sign = propertyOnLeft ? 1 : -1;
    const test = operator === '=' ? (order: number) => order === 0 : ORDER_TESTS[operator]!;
    return (properties) => {
      const text = readProperty(properties, name);
      if (text === null) return whenMissing;
      const order = compareStringWithNumber(text, constant);
      return order !== order ? Tri.Unknown : test(sign * order) ? Tri.True : Tri.False;
    };
  }
  if (operator === '=' && typeof constant === 'string') {
    return (properties) => {
      const text = readProperty(properties, name);
      return text === null ? whenMissing : text === constant ? Tri.True : Tri.False;
    };
  }
  return undefined;
}

function compileIn(name: string, values: readonly string[], negated: boolean): Condition {
  const hit = negated ? Tri.False : Tri.True;
  const miss = negated ? Tri.True : Tri.False;
  if (values.length <= 8) {
    return (properties) => {
      const text = readProperty(properties, name);
      if (text === null) return Tri.Unknown;
      for (let index = 0; index < values.length; index++) if (values[index] === text) return hit;
      return miss;
    };
  }
  const set = new Set(values);
  return (properties) => {
    const text = readProperty(properties, name);
    return text === null ? Tri.Unknown : set.has(text) ? hit : miss;
  };
}

function compileIsNull(operand: Operand, negated: boolean): Condition {
  const whenNull = negated ? Tri.False : Tri.True;
  const whenPresent = negated ? Tri.True : Tri.False;
  if (operand.type === 'property') {
    const name = operand.name;
    return (properties) => (readProperty(properties, name) === null ? whenNull : whenPresent);
  }
  const read = reader(operand);
  return (properties) => (read(properties) === null ? whenNull : whenPresent);
}

function compileMatch(node: StringMatch): Condition {
  if (node.pattern.length === 0) return always(Tri.False);
  const pattern = node.pattern;
  const read = reader(compileOperand(node.operand));
  const found = node.negated ? Tri.False : Tri.True;
  const notFound = node.negated ? Tri.True : Tri.False;
  const test =
    node.operator === 'CONTAINS'
      ? (text: string) => text.includes(pattern)
      : node.operator === 'STARTSWITH'
        ? (text: string) => text.startsWith(pattern)
        : (text: string) => text.endsWith(pattern);
  return (properties) => {
    const value = read(properties);
    if (typeof value !== 'string') return Tri.False;
    return test(value) ? found : notFound;
  };
}
