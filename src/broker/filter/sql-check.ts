/**
 * The coordinator's check of a SQL92 subscription before it reaches the filter pool: a compile
 * (cached, bounded), so a bad expression is refused with its reason at CHECK_CLIENT_CONFIG or
 * at the pull (SUBSCRIPTION_PARSE_FAILED) instead of failing in a worker.
 */
import { compileSqlFilter } from '../../filter/sql92/index.ts';

const MAX_CACHED = 1024;
const problems = new Map<string, string | undefined>();

/** Undefined when the expression compiles, else why not. */
export function sqlExpressionProblem(expression: string): string | undefined {
  if (problems.has(expression)) return problems.get(expression);
  let problem: string | undefined;
  try {
    compileSqlFilter(expression);
  } catch (error) {
    problem = (error as Error).message;
  }
  if (problems.size >= MAX_CACHED) problems.delete(problems.keys().next().value!);
  problems.set(expression, problem);
  return problem;
}

export const SQL92 = 'SQL92';
