/**
 * RocketMQ's SQL92 message filter (`MessageSelector.bySql(...)`, expression type SQL92):
 * compile once per subscription, then ask `matches` for each message's properties.
 */
import { collectProperties } from './ast.ts';
import { compileCondition } from './evaluate.ts';
import { parseSqlFilter } from './parser.ts';
import { Tri } from './values.ts';

export { SQL92_ERROR_CODES, SqlFilterError, SqlFilterErrorCode } from './errors.ts';
export { MAX_DEPTH_COUNT, MAX_EXPRESSION_LENGTH_CHARS, MAX_IN_ITEMS_COUNT } from './limits.ts';

export interface CompiledSqlFilter {
  readonly expression: string;
  /** Property names the expression reads (for cheap pre-checks). */
  readonly properties: ReadonlySet<string>;
  /** true only when the expression is TRUE (NULL/unknown and FALSE both reject). */
  matches(properties: Readonly<Record<string, string>>): boolean;
}

/** Throws SqlFilterError naming the position and the unexpected token or what was expected. */
export function compileSqlFilter(expression: string): CompiledSqlFilter {
  const tree = parseSqlFilter(expression);
  const properties = new Set<string>();
  collectProperties(tree, properties);
  const condition = compileCondition(tree);
  return Object.freeze({
    expression,
    properties: properties as ReadonlySet<string>,
    matches: (messageProperties: Readonly<Record<string, string>>): boolean =>
      condition(messageProperties) === Tri.True,
  });
}
