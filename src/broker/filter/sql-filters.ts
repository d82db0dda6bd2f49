/**
 * SQL92 subscriptions compiled once per expression text, in a bounded cache per thread: the
 * coordinator compiles to refuse a bad expression with its reason (CHECK_CLIENT_CONFIG, or
 * SUBSCRIPTION_PARSE_FAILED at the pull) before it reaches the pool; each filter-pool worker
 * compiles to evaluate. A failure is cached too, so a client repeating a bad expression costs
 * one compile.
 */
import { compileSqlFilter } from '../../filter/sql92/index.ts';
import type { CompiledSqlFilter } from '../../filter/sql92/index.ts';

export const SQL92 = 'SQL92';

const MAX_CACHED = 1024;
const compiled = new Map<string, CompiledSqlFilter | { problem: string }>();

/** The compiled filter, or why the expression does not compile. */
export function cachedSqlFilter(expression: string): CompiledSqlFilter | { problem: string } {
  let entry = compiled.get(expression);
  if (!entry) {
    try {
      entry = compileSqlFilter(expression);
    } catch (error) {
      entry = { problem: (error as Error).message };
    }
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(expression, entry);
  }
  return entry;
}

/** Undefined when the expression compiles, else why not. */
export function sqlExpressionProblem(expression: string): string | undefined {
  const entry = cachedSqlFilter(expression);
  return 'problem' in entry ? entry.problem : undefined;
}
