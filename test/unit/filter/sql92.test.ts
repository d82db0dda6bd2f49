import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SqlNode } from '../../../src/filter/sql92/ast.ts';
import { compileCondition, type Properties } from '../../../src/filter/sql92/evaluate.ts';
import {
  compileSqlFilter,
  MAX_DEPTH_COUNT,
  MAX_EXPRESSION_LENGTH_CHARS,
  MAX_IN_ITEMS_COUNT,
  SqlFilterError,
} from '../../../src/filter/sql92/index.ts';
import { parseSqlFilter } from '../../../src/filter/sql92/parser.ts';
import { printSqlFilter } from '../../../src/filter/sql92/print.ts';
import {
  evaluateEqual,
  NumberValue,
  orderValues,
  Tri,
  type Value,
} from '../../../src/filter/sql92/values.ts';

function matches(expression: string, properties: Record<string, string>): boolean {
  return compileSqlFilter(expression).matches(properties);
}

function compileError(expression: string): SqlFilterError {
  try {
    compileSqlFilter(expression);
  } catch (error) {
    if (error instanceof SqlFilterError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to fail`);
}

describe('sql92 filter - RocketMQ documentation examples', () => {
  it.each([
    ['a between 0 and 3', { a: '0' }, true],
    ['a between 0 and 3', { a: '3' }, true],
    ['a between 0 and 3', { a: '4' }, false],
    ['a between 0 and 3', {}, false],
    ["TAGS in ('TagA','TagB') and a > 5", { TAGS: 'TagB', a: '6' }, true],
    ["TAGS in ('TagA','TagB') and a > 5", { TAGS: 'TagC', a: '6' }, false],
    ["TAGS in ('TagA','TagB') and a > 5", { TAGS: 'TagA', a: '5' }, false],
    [
      "(TAGS is not null and TAGS in ('TagA', 'TagB')) and (a is not null and a between 0 and 3)",
      { TAGS: 'TagA', a: '1' },
      true,
    ],
    [
      "(TAGS is not null and TAGS in ('TagA', 'TagB')) and (a is not null and a between 0 and 3)",
      { a: '1' },
      false,
    ],
    ["a between 0 and 3 and b='name2'", { a: '2', b: 'name2' }, true],
    ['a=3 and b<>4 And c>5 AND d<=4', { a: '3', b: '5', c: '6', d: '4' }, true],
    ['a=3 or b<>4 Or c>5 OR d<=4', { b: '4', d: '5' }, false],
    ["(a not in ('6', '4', '5')) or (b in ('3', '4', '5'))", { a: '6', b: '3' }, true],
    ['(a between 2 and 10) AND (b not between 6 and 9)', { a: '2', b: '10' }, true],
    ['(a between 2 and 10) AND (b not between 6 and 9)', { a: '2', b: '6' }, false],
    ["a=3 and b contains 'xxx' and c not contains 'xxx'", { a: '3', b: 'axxxb', c: 'xx' }, true],
    [
      "a startswith 'or' and a endswith 'er' and a not startswith 'x' and a not endswith 'x'",
      { a: 'order' },
      true,
    ],
  ])('%s with %j is %s', (expression, properties, expected) => {
    expect(matches(expression, properties)).toBe(expected);
  });

  it('reports the properties an expression reads', () => {
    const filter = compileSqlFilter(
      "TAGS in ('A') and (a > 5 or order.type = 'x') and $v is null and -_w < 3",
    );
    expect([...filter.properties].sort()).toEqual(['$v', 'TAGS', '_w', 'a', 'order.type']);
    expect(filter.expression).toBe(
      "TAGS in ('A') and (a > 5 or order.type = 'x') and $v is null and -_w < 3",
    );
  });
});

describe('sql92 filter - comparing property strings', () => {
  it.each([
    // An int literal converts the property as Integer.valueOf does.
    ['a = 5', '5', true],
    ['a = 5', '05', true],
    ['a = 5', '+5', true],
    ['a > -6', '-5', true],
    ['a = 5', '5.0', false],
    ['a <> 5', '5.0', false], // unknown, not TRUE
    ['a > 5', ' 6', false],
    ['a > 5', '3000000000', false], // beyond an int: unknown
    ['a > 5L', '6', true],
    // A literal past the int range is a long.
    ['a > 3000000000', '3000000001', true],
    ['a = 9223372036854775807', '9223372036854775807', true],
    ['a < 9223372036854775807', '9223372036854775806', true],
    // A double literal converts as Double.valueOf: trimmed, suffixes, exponents, NaN.
    ['a > 5.0', '5.5', true],
    ['a > 5.0', ' 6 ', true],
    ['a > 5.0', '6d', true],
    ['a = 1000.0', '1e3', true],
    ['a > .5', '.6', true],
    ['a > 5.0', 'NaN', true], // Double.compareTo puts NaN above everything
    ['a > 5.0', 'abc', false],
    ['a > 5.0', '', false],
    ['a >= 0.0', '-0', false], // -0.0 sorts below 0.0
    // Two properties order as doubles.
    ['a > b', '10', true],
    // Strings compare for equality only, case-sensitively.
    ["a = 'Abc'", 'Abc', true],
    ["a = 'Abc'", 'abc', false],
    ["a <> 'Abc'", 'abc', true],
    ["a = 'it''s'", "it's", true],
    // Booleans convert as Boolean.valueOf.
    ['a = TRUE', 'true', true],
    ['a = TRUE', 'TrUe', true],
    ['a = TRUE', 'yes', false],
    ['a = FALSE', 'yes', true],
    ['a', 'true', false], // a property as a condition is never TRUE
    ['NOT a', 'true', true],
  ])('%s with a=%j is %s', (expression, a, expected) => {
    expect(matches(expression, { a, b: '9' })).toBe(expected);
  });

  it('leaves a missing property unknown, with RocketMQ\u2019s asymmetric =', () => {
    expect(matches("a = 'x'", {})).toBe(false);
    expect(matches("a <> 'x'", {})).toBe(false);
    expect(matches("NOT (a = 'x')", {})).toBe(false);
    // A present left side against a missing right side is FALSE in RocketMQ, so <> is TRUE.
    expect(matches("'x' = a", {})).toBe(false);
    expect(matches("'x' <> a", {})).toBe(true);
    expect(matches('5 <> a', {})).toBe(true);
    expect(matches('a = b', {})).toBe(true);
    expect(matches('a <> b', { a: '1' })).toBe(true);
    expect(matches("a in ('x')", {})).toBe(false);
    expect(matches("a not in ('x')", {})).toBe(false);
    expect(matches('a is null', {})).toBe(true);
    expect(matches('a is not null', { a: '' })).toBe(true);
    expect(matches('constructor is null and __proto__ is null and toString is null', {})).toBe(
      true,
    );
  });

  it('treats CONTAINS, STARTSWITH and ENDSWITH as RocketMQ does for missing values and empty patterns', () => {
    expect(matches("a not contains 'x'", {})).toBe(false);
    expect(matches("NOT (a contains 'x')", {})).toBe(true);
    expect(matches("a contains ''", { a: 'abc' })).toBe(false);
    expect(matches("a not contains ''", { a: 'abc' })).toBe(false);
    expect(matches("a endswith 'bc'", { a: 'abc' })).toBe(true);
    expect(matches("a not endswith 'bc'", { a: 'abc' })).toBe(false);
    expect(matches("(a > 1) contains 'x'", { a: '2' })).toBe(false);
  });

  it('compares literals, negations and nested conditions', () => {
    expect(matches('5 > 3', {})).toBe(true);
    expect(matches('5 = 5.0', {})).toBe(true);
    expect(matches('3000000000 > 5', {})).toBe(true);
    expect(matches('-a < 3', { a: '1' })).toBe(false); // negating a string gives NULL
    expect(matches('--5 = 5', {})).toBe(true); // "--" with no line break is two minus signs
    expect(matches('(a > 5) = TRUE', { a: '6' })).toBe(true);
    expect(matches('(a > 5) = (b > 5)', { a: '1', b: '2' })).toBe(true);
    expect(matches('a = (b > 5)', { a: 'TRUE', b: '6' })).toBe(true);
    expect(matches('TRUE', {})).toBe(true);
    expect(matches('NULL', {})).toBe(false);
  });
});

describe('sql92 filter - three-valued logic', () => {
  it.each([
    ['a > 5 AND FALSE', false],
    ['NOT (a > 5 AND FALSE)', true],
    ['a > 5 OR TRUE', true],
    ['a > 5 OR FALSE', false],
    ['NOT (a > 5 OR FALSE)', false],
    ['NOT (a > 5)', false],
    ['NOT (NOT (a > 5))', false],
    ['(a > 5) IS NULL', true],
    ['(a > 5 AND TRUE) IS NULL', true],
    ['(a > 5 OR TRUE) IS NOT NULL', true],
    ['(a > 5 AND b > 5 AND FALSE) IS NULL', false],
    ['a BETWEEN 1 AND 2 IS NULL', true],
    ['a NOT BETWEEN 1 AND 2 IS NULL', true],
  ])('%s with a missing is %s', (expression, expected) => {
    expect(matches(expression, { b: '9' })).toBe(expected);
  });
});

describe('sql92 filter - lexical details', () => {
  it('reads keywords in any case, comments and identifiers with $, _ and dots', () => {
    expect(
      matches("a Between 1 aNd 2 oR b iS nOt NuLl And c In ('x') aND d CoNtAiNs 'y'", { a: '1' }),
    ).toBe(true);
    expect(matches('a = 1 -- a comment\n/* another */ AND b = 2', { a: '1', b: '2' })).toBe(true);
    expect(
      matches("order.type = 'x' and $a = 1 and _b.c2 = 2", {
        'order.type': 'x',
        $a: '1',
        '_b.c2': '2',
      }),
    ).toBe(true);
    expect(matches('ANDx = 1', { ANDx: '1' })).toBe(true);
    expect(matches("a = 'multi\nline'", { a: 'multi\nline' })).toBe(true);
    expect(matches('a = 1.5E1 and b = 2e-1 and c = 5.', { a: '15', b: '0.2', c: '5' })).toBe(true);
  });
});

describe('sql92 filter - errors name the position', () => {
  it.each([
    ['', 0, 'empty'],
    ['   ', 3, 'empty'],
    ['a >', 3, 'unexpected end of expression'],
    ["a = 'x", 4, 'unterminated string'],
    ['a = 1 /* x', 6, 'unterminated comment'],
    ['a and between 2 and 10', 6, 'unexpected BETWEEN'],
    [' a between 10 and 0', 11, 'lower bound is greater'],
    ['a between NULL and 1', 10, 'cannot be NULL'],
    ['NOT a > 5', 0, 'only numbers and properties'],
    ["a > 'x'", 4, 'only numbers and properties'],
    ['a > TRUE', 4, 'only numbers and properties'],
    ['a = NULL', 2, 'IS NULL'],
    ["TRUE = 'x'", 7, 'boolean literal'],
    ['a > 1 b', 6, "unexpected 'b'"],
    ['a != 1', 2, "'<>'"],
    ['a = "x"', 4, 'single quotes'],
    ['a in (1)', 6, 'expected a string literal'],
    ["a in ('x' 'y')", 10, "expected ',' or ')'"],
    ["5 in ('x')", 0, 'IN needs a property'],
    ['(a > 1', 6, "expected ')'"],
    ['a is 5', 5, 'expected NULL'],
    ['5', 0, 'boolean'],
    ["a = 1 and 'x'", 10, 'boolean'],
    ['NOT 5', 4, 'boolean'],
    ['a = 007', 5, "unexpected '0'"],
    ['a > 9223372036854775808', 4, 'out of the range of a 64-bit long'],
    ['a > 1e400', 4, 'out of the range of a double'],
    ['a = 1 or', 8, 'unexpected end'],
    ['a = 1 -- no line break', 6, "unexpected '-'"],
    ['a # 1', 2, "unexpected character '#'"],
  ])('%j fails at %i (%s)', (expression, position, fragment) => {
    const error = compileError(expression);
    expect(error.position).toBe(position);
    expect(error.message).toContain(fragment);
    expect(error.message).toContain(`position ${position}`);
    expect(error.name).toBe('SqlFilterError');
  });
});

describe('sql92 filter - limits', () => {
  it('accepts an expression of exactly the maximum length and refuses one character more', () => {
    const base = "a = '";
    const atLimit = base + 'x'.repeat(MAX_EXPRESSION_LENGTH_CHARS - base.length - 1) + "'";
    expect(atLimit.length).toBe(MAX_EXPRESSION_LENGTH_CHARS);
    expect(matches(atLimit, { a: 'x'.repeat(MAX_EXPRESSION_LENGTH_CHARS - base.length - 1) })).toBe(
      true,
    );
    const error = compileError(atLimit + ' ');
    expect(error.position).toBeUndefined();
    expect(error.message).toContain(`limit of ${MAX_EXPRESSION_LENGTH_CHARS}`);
  });

  it('accepts nesting to the limit and refuses one level more', () => {
    const nested = (count: number) => '('.repeat(count) + 'a = 1' + ')'.repeat(count);
    expect(matches(nested(MAX_DEPTH_COUNT), { a: '1' })).toBe(true);
    expect(compileError(nested(MAX_DEPTH_COUNT + 1)).message).toContain(
      `limit of ${MAX_DEPTH_COUNT}`,
    );
    expect(compileError('NOT '.repeat(MAX_DEPTH_COUNT + 1) + 'a').message).toContain(
      'nests deeper',
    );
    expect(compileError('-'.repeat(MAX_DEPTH_COUNT + 1) + '5 = a').message).toContain(
      'nests deeper',
    );
    expect(compileError('a = 1' + ' = TRUE'.repeat(MAX_DEPTH_COUNT)).message).toContain(
      'nests deeper',
    );
    expect(compileError('('.repeat(2000)).message).toContain('nests deeper');
  });

  it('keeps long AND and OR chains flat', () => {
    const chain = Array.from({ length: 400 }, (_, index) => `a${index % 10} = 1`).join(' OR ');
    expect(chain.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH_CHARS);
    expect(matches(chain, { a7: '1' })).toBe(true);
    expect(matches(chain, {})).toBe(false);
  });

  it('accepts IN lists to the limit and refuses one item more', () => {
    // Empty strings are the shortest items, so the item limit is reachable within the length limit.
    const list = (count: number) =>
      ["'x'", ...Array.from({ length: count - 1 }, () => "''")].join(',');
    expect(matches(`a in (${list(MAX_IN_ITEMS_COUNT)})`, { a: 'x' })).toBe(true);
    expect(matches(`a not in (${list(MAX_IN_ITEMS_COUNT)})`, { a: 'y' })).toBe(true);
    const error = compileError(`a in (${list(MAX_IN_ITEMS_COUNT + 1)})`);
    expect(error.message).toContain(`limit of ${MAX_IN_ITEMS_COUNT}`);
    expect(error.position).toBe(6 + 4 + 3 * (MAX_IN_ITEMS_COUNT - 1) - 1);
  });

  it('stays linear on inputs that trouble backtracking matchers', () => {
    const started = performance.now();
    compileError("a = '" + "''".repeat(2000));
    compileError('a = ' + '1'.repeat(4000) + 'x');
    expect(matches('a > 5.0', { a: '1'.repeat(1_000_000) + 'x' })).toBe(false);
    expect(matches('a > 5', { a: '1'.repeat(1_000_000) })).toBe(false);
    expect(matches('a > 3000000000', { a: '0'.repeat(1_000_000) + '3000000001' })).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

// ---- property tests ------------------------------------------------------------------------

const PROPERTY_NAMES = ['a', 'b', 'TAGS', 'order.type'] as const;
const PROPERTY_VALUES = [
  '',
  '0',
  '5',
  '-3',
  '+7',
  '2.5',
  ' 7 ',
  '6d',
  'abc',
  'true',
  'TRUE',
  'NaN',
  '1e3',
  '-0',
  '3000000000',
  '9223372036854775807',
  "x'y",
  'TagA',
  'ab',
];

const messageArbitrary: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    ...PROPERTY_NAMES.map(() => fc.option(fc.constantFrom(...PROPERTY_VALUES), { nil: undefined })),
  )
  .map((values) => {
    const message: Record<string, string> = {};
    values.forEach((value, index) => {
      if (value !== undefined) message[PROPERTY_NAMES[index]!] = value;
    });
    return message;
  });

const property = fc
  .constantFrom(...PROPERTY_NAMES)
  .map((name): SqlNode => ({ kind: 'property', name }));
const numberLiteral = fc.oneof(
  fc
    .integer({ min: -20, max: 20 })
    .map((value): SqlNode => ({ kind: 'number', numberKind: 'int', value })),
  fc
    .bigInt({ min: 2147483648n, max: 9223372036854775807n })
    .map((value): SqlNode => ({ kind: 'number', numberKind: 'long', value })),
  fc
    .constantFrom(0, 0.5, 2.5, 6.5, -3.25, 1000, 1e21, 5e-7)
    .map((value): SqlNode => ({ kind: 'number', numberKind: 'double', value })),
);
const stringLiteral = fc
  .constantFrom(...PROPERTY_VALUES)
  .map((value): SqlNode => ({ kind: 'string', value }));
const booleanLiteral = fc.boolean().map((value): SqlNode => ({ kind: 'boolean', value }));
const orderable = fc.oneof(
  numberLiteral,
  property,
  fc.oneof(numberLiteral, property).map((operand): SqlNode => ({ kind: 'negate', operand })),
);

/** Conditions the parser accepts, built only from well-typed parts. */
function condition(depth: number): fc.Arbitrary<SqlNode> {
  const leaves: fc.Arbitrary<SqlNode>[] = [
    booleanLiteral,
    fc.constant<SqlNode>({ kind: 'null' }),
    property,
    fc
      .tuple(fc.constantFrom('>', '>=', '<', '<=' as const), orderable, orderable)
      .map(([operator, left, right]): SqlNode => ({ kind: 'compare', operator, left, right })),
    fc
      .tuple(
        fc.boolean(),
        property,
        fc.uniqueArray(fc.constantFrom(...PROPERTY_VALUES), { minLength: 1, maxLength: 10 }),
      )
      .map(([negated, name, values]): SqlNode => ({
        kind: 'in',
        negated,
        property: name as never,
        values,
      })),
    fc
      .tuple(fc.boolean(), orderable, orderable, orderable)
      .map(([negated, value, first, second]): SqlNode => {
        const inOrder = !(
          first.kind === 'number' &&
          second.kind === 'number' &&
          Number(first.value) > Number(second.value)
        );
        return {
          kind: 'between',
          negated,
          value,
          low: inOrder ? first : second,
          high: inOrder ? second : first,
        };
      }),
  ];
  if (depth <= 0) return fc.oneof(...leaves);
  const inner = condition(depth - 1);
  const equalOperand = fc.oneof(
    property,
    numberLiteral,
    stringLiteral,
    inner.filter((node) => node.kind !== 'null'),
  );
  const anyOperand = fc.oneof(property, numberLiteral, stringLiteral, inner);
  return fc.oneof(
    ...leaves,
    inner.map((operand): SqlNode => ({ kind: 'not', operand })),
    fc
      .tuple(fc.constantFrom('and', 'or' as const), fc.array(inner, { minLength: 2, maxLength: 4 }))
      .map(([kind, operands]): SqlNode => ({ kind, operands })),
    fc
      .tuple(fc.constantFrom('=', '<>' as const), equalOperand, equalOperand)
      .map(([operator, first, second]): SqlNode => {
        // RocketMQ refuses TRUE/FALSE on the left of a string or number literal.
        const swap =
          first.kind === 'boolean' && (second.kind === 'string' || second.kind === 'number');
        return {
          kind: 'compare',
          operator,
          left: swap ? second : first,
          right: swap ? first : second,
        };
      }),
    fc
      .tuple(fc.boolean(), anyOperand)
      .map(([negated, operand]): SqlNode => ({ kind: 'isNull', negated, operand })),
    fc
      .tuple(
        fc.constantFrom('CONTAINS', 'STARTSWITH', 'ENDSWITH' as const),
        fc.boolean(),
        anyOperand,
        fc.constantFrom('', 'a', 'b', "'", 'Tag'),
      )
      .map(([operator, negated, operand, pattern]): SqlNode => ({
        kind: 'match',
        operator,
        negated,
        operand,
        pattern,
      })),
  );
}

/** A plain tree walk over the same rules, to check the specialised closures against. */
function reference(node: SqlNode, message: Properties): Tri {
  const value = (operand: SqlNode): Value => {
    switch (operand.kind) {
      case 'string':
      case 'boolean':
        return operand.value;
      case 'null':
        return null;
      case 'number':
        return new NumberValue(operand.numberKind, operand.value);
      case 'property':
        return Object.hasOwn(message, operand.name) ? message[operand.name]! : null;
      case 'negate': {
        const inner = value(operand.operand);
        return inner instanceof NumberValue ? inner.negate() : null;
      }
      default: {
        const result = reference(operand, message);
        return result === Tri.Unknown ? null : result === Tri.True;
      }
    }
  };
  const fromBoolean = (result: boolean): Tri => (result ? Tri.True : Tri.False);
  const negate = (result: Tri): Tri =>
    result === Tri.Unknown ? result : fromBoolean(result === Tri.False);
  const order = (left: SqlNode, operator: string, right: SqlNode): Tri => {
    const result = orderValues(value(left), value(right));
    if (Number.isNaN(result)) return Tri.Unknown;
    return fromBoolean(
      operator === '>'
        ? result > 0
        : operator === '>='
          ? result >= 0
          : operator === '<'
            ? result < 0
            : result <= 0,
    );
  };
  const logic = (kind: 'and' | 'or', results: Tri[]): Tri => {
    const decisive = kind === 'and' ? Tri.False : Tri.True;
    if (results.includes(decisive)) return decisive;
    return results.includes(Tri.Unknown) ? Tri.Unknown : negate(decisive);
  };
  switch (node.kind) {
    case 'boolean':
      return fromBoolean(node.value);
    case 'null':
      return Tri.Unknown;
    case 'property':
      return value(node) === null ? Tri.Unknown : Tri.False;
    case 'not':
      return negate(reference(node.operand, message));
    case 'and':
    case 'or':
      return logic(
        node.kind,
        node.operands.map((operand) => reference(operand, message)),
      );
    case 'compare': {
      if (node.operator === '=' || node.operator === '<>') {
        const equal = evaluateEqual(value(node.left), value(node.right));
        return node.operator === '=' ? equal : negate(equal);
      }
      return order(node.left, node.operator, node.right);
    }
    case 'between':
      return node.negated
        ? logic('or', [order(node.value, '<', node.low), order(node.value, '>', node.high)])
        : logic('and', [order(node.value, '>=', node.low), order(node.value, '<=', node.high)]);
    case 'in': {
      const text = value(node.property);
      return text === null
        ? Tri.Unknown
        : fromBoolean(node.values.includes(text as string) !== node.negated);
    }
    case 'isNull':
      return fromBoolean((value(node.operand) === null) !== node.negated);
    case 'match': {
      const text = value(node.operand);
      if (node.pattern === '' || typeof text !== 'string') return Tri.False;
      const found =
        node.operator === 'CONTAINS'
          ? text.includes(node.pattern)
          : node.operator === 'STARTSWITH'
            ? text.startsWith(node.pattern)
            : text.endsWith(node.pattern);
      return fromBoolean(found !== node.negated);
    }
    default:
      throw new Error(`not a condition: ${node.kind}`);
  }
}

describe('sql92 filter - properties', () => {
  it('random text compiles or fails with SqlFilterError, never anything else', () => {
    const alphabet = fc.constantFrom(...('aBz_$.019 \'()=<>,+-*/\n\t!#"eE' + 'éλ').split(''));
    const keyword = fc.constantFrom(
      ' AND ',
      ' or ',
      ' NOT ',
      ' between ',
      ' in ',
      ' is ',
      ' null ',
      ' TRUE ',
      ' contains ',
      '--',
      '/*',
      '*/',
    );
    const text = fc.oneof(
      fc.string(),
      fc.array(fc.oneof(alphabet, keyword), { maxLength: 60 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(text, messageArbitrary, (expression, message) => {
        let filter;
        try {
          filter = compileSqlFilter(expression);
        } catch (error) {
          expect(error).toBeInstanceOf(SqlFilterError);
          const position = (error as SqlFilterError).position;
          if (position !== undefined) expect(position).toBeLessThanOrEqual(expression.length);
          return;
        }
        expect(typeof filter.matches(message)).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('a generated tree, printed and parsed again, evaluates the same and agrees with a plain tree walk', () => {
    fc.assert(
      fc.property(
        condition(3),
        fc.array(messageArbitrary, { minLength: 1, maxLength: 5 }),
        (tree, messages) => {
          const text = printSqlFilter(tree);
          const reparsed = parseSqlFilter(text);
          const direct = compileCondition(tree);
          const filter = compileSqlFilter(text);
          for (const message of messages) {
            const expected = reference(tree, message);
            expect(direct(message)).toBe(expected);
            expect(compileCondition(reparsed)(message)).toBe(expected);
            expect(filter.matches(message)).toBe(expected === Tri.True);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('matches never throws, whatever the message holds', () => {
    const anyMessage = fc.dictionary(
      fc.oneof(
        fc.constantFrom(...PROPERTY_NAMES, '__proto__', 'constructor', 'toString'),
        fc.string(),
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(condition(2), anyMessage, (tree, message) => {
        const filter = compileSqlFilter(printSqlFilter(tree));
        expect(typeof filter.matches(message)).toBe('boolean');
        expect(typeof filter.matches(Object.create(null) as Record<string, string>)).toBe(
          'boolean',
        );
      }),
      { numRuns: 1000 },
    );
  });
});
