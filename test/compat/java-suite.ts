/**
 * The setup every Java compatibility suite shares: one broker target and one Java runner per
 * described block, started before its first test and stopped after its last.
 */
import { afterAll, beforeAll } from 'vitest';
import { startJavaRunner } from './java-runner.ts';
import type { JavaRunner, JavaRunnerOptions } from './java-runner.ts';
import { startTarget } from './targets.ts';
import type { BrokerKind, BrokerTarget, TargetOptions } from './targets.ts';

export interface JavaSuiteOptions extends TargetOptions {
  systemProperties?: JavaRunnerOptions['systemProperties'];
  /** For starting both; Apache's JVMs on a loaded machine need the default 120 s. */
  startTimeoutMs?: number;
}

/** Registers the hooks; started() gets the target and runner once both are up. */
export function useJavaSuite(
  kind: BrokerKind,
  options: JavaSuiteOptions,
  started: (target: BrokerTarget, java: JavaRunner) => void,
): void {
  let target: BrokerTarget | undefined;
  let java: JavaRunner | undefined;
  beforeAll(async () => {
    target = await startTarget(kind, { properties: options.properties });
    java = await startJavaRunner({
      namesrvAddr: target.namesrvAddr,
      systemProperties: options.systemProperties,
    });
    started(target, java);
  }, options.startTimeoutMs ?? 120_000);
  afterAll(async () => {
    await java?.stop();
    await target?.stop();
  }, 60_000);
}
