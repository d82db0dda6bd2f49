/**
 * The brokers one benchmark case runs against, behind one shape: ThrustMQ (a bench broker on
 * the run's name server) or Apache RocketMQ 5.5.0 (its own name server and broker JVMs from
 * test/compat/apache, started by the compat harness's startTarget with the bench's properties).
 * Either gets the benchmark topic created by the same UPDATE_AND_CREATE_TOPIC request.
 */
import { startTarget } from '../compat/targets.ts';
import {
  APACHE_BROKER_PROJECT,
  buildMavenProject,
  JAVA_CLIENT_PROJECT,
} from '../harness/build-compat.ts';
import { createTopic, startBenchBroker } from './bench-broker.ts';
import type { FlushDiskType } from './bench-report.ts';

export type BrokerKind = 'thrustmq' | 'apache';

export interface CaseBroker {
  kind: BrokerKind;
  /** The broker's own process: node for ThrustMQ, the JVM for Apache RocketMQ. */
  pid: number;
  host: string;
  port: number;
  /** The name server its routes come from, for the Java client. */
  namesrvAddr: string;
  /** Stops what was started for this case, by PID; safe to call twice. */
  stop(): Promise<void>;
}

/** Same commit-log file size as the ThrustMQ cases, so both map and roll files alike. */
const COMMIT_LOG_FILE_BYTES = String(256 * 1024 * 1024);
export const APACHE_SEND_QUEUE_WAIT_MS = 10_000;

export interface CaseBrokerOptions {
  flushDiskType: FlushDiskType;
  topic: string;
  queues: number;
  timeoutMs: number;
}

export async function startThrustmqCase(
  options: CaseBrokerOptions & { namesrvAddr: string; actorThreads: number; nodeFlags?: string[] },
): Promise<CaseBroker> {
  const broker = await startBenchBroker(options);
  return {
    kind: 'thrustmq',
    pid: broker.process.pid,
    host: broker.host,
    port: broker.port,
    namesrvAddr: options.namesrvAddr,
    stop: () => broker.stop(),
  };
}

/**
 * Builds the Maven projects the Apache cases run from when they are missing or stale (the
 * benchmark does not go through vitest's global setup, which does this for the suites).
 */
export function prepareApache(javaClient: boolean): void {
  buildMavenProject(APACHE_BROKER_PROJECT);
  if (javaClient) buildMavenProject(JAVA_CLIENT_PROJECT);
}

export async function startApacheCase(options: CaseBrokerOptions): Promise<CaseBroker> {
  // Its ready deadlines bound the start; a half-started target is left to the harness's stopAll.
  const target = await startTarget('apache', {
    properties: {
      flushDiskType: options.flushDiskType,
      mappedFileSizeCommitLog: COMMIT_LOG_FILE_BYTES,
      // Apache answers SYSTEM_BUSY to a send that waited 200 ms in its queue; with 1,000 in
      // flight on a loaded machine that sheds the load being measured (ThrustMQ queues it).
      waitTimeMillsInSendQueue: String(APACHE_SEND_QUEUE_WAIT_MS),
    },
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= target.stop());
  const [host, port] = target.brokerAddr.split(':');
  try {
    await createTopic(target.brokerAddr, options.topic, options.queues);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    kind: 'apache',
    pid: target.broker().pid,
    host: host!,
    port: Number(port),
    namesrvAddr: target.namesrvAddr,
    stop,
  };
}
