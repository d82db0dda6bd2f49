/**
 * Prints a parsed filter back as SQL92 text that parses to an equivalent filter: every compound
 * node in parentheses, strings re-quoted, negative numbers written as a negation.
 */
import { NumberKind, type NumberLiteral, type SqlNode } from './ast.ts';

export function quoteSqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function printNumber(node: NumberLiteral): string {
  const value = node.value;
  const negative = typeof value === 'bigint' ? value < 0n : value < 0 || Object.is(value, -0);
  const magnitude = typeof value === 'bigint' ? (negative ? -value : value) : Math.abs(value);
  let text = String(magnitude);
  if (node.numberKind === NumberKind.Double && !/[.e]/i.test(text)) text += '.0';
  return negative ? `(-${text})` : text;
}

export function printSqlFilter(node: SqlNode): string {
  switch (node.kind) {
    case 'string':
      return quoteSqlString(node.value);
    case 'number':
      return printNumber(node);
    case 'boolean':
      return node.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'property':
      return node.name;
    case 'negate':
      return `(-${printSqlFilter(node.operand)})`;
    case 'not':
      return `(NOT ${printSqlFilter(node.operand)})`;
    case 'and':
    case 'or':
      return `(${node.operands.map(printSqlFilter).join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'compare':
      return `(${printSqlFilter(node.left)} ${node.operator} ${printSqlFilter(node.right)})`;
    case 'between': {
      const keyword = node.negated ? 'NOT BETWEEN' : 'BETWEEN';
      return `(${printSqlFilter(node.value)} ${keyword} ${printSqlFilter(node.low)} AND ${printSqlFilter(node.high)})`;
    }
    case 'in':
      return `(${node.property.name} ${node.negated ? 'NOT IN' : 'IN'} (${node.values.map(quoteSqlString).join(', ')}))`;
    case 'isNull':
      return `(${printSqlFilter(node.operand)} IS ${node.negated ? 'NOT NULL' : 'NULL'})`;
    case 'match':
      return `(${printSqlFilter(node.operand)} ${node.negated ? 'NOT ' : ''}${node.operator} ${quoteSqlString(node.pattern)})`;
  }
}
