/**
 * The actor control plane under failure, on real worker threads: deadlines, calls to a thread
 * that exits, error codes across threads, a dead actor stopping the broker, and a broker whose
 * actors cannot open their shards settling instead of hanging.
 */
import { Worker } from 'node:worker_threads';
import { connect } from 'node:net';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ActorHost } from '../../src/broker/actor/actor-host.ts';
import {
  ControlCallError,
  ControlCallErrorCode,
  Lifeline,
  withDeadlines,
} from '../../src/broker/actor/control-deadlines.ts';
import { SendStatus } from '../../src/broker/actor/ring-records.ts';
import type { SendAck } from '../../src/broker/actor/send-ack-record.ts';
import { registerThreadErrors } from '../../src/broker/actor/thread-errors.ts';
import { startBroker } from '../../src/broker/coordinator/broker.ts';
import { ConfigError } from '../../src/common/config-schema.ts';
import { makeTempDir } from '../harness/temp-dir.ts';

interface MisbehavingControl {
  echo(value: string): string;
  hang(): Promise<void>;
  failWithCode(): void;
  exitSoon(code: number): Promise<void>;
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(): string {
  const dir = makeTempDir('actor-control');
  cleanups.push(dir.remove);
  return dir.path;
}

function misbehavingWorker(deadlines: Record<string, number>) {
  registerThreadErrors();
  const worker = new Worker(new URL('./fixtures/control-worker.mjs', import.meta.url));
  cleanups.push(() => worker.terminate());
  const lifeline = new Lifeline(7);
  worker.on('error', (error) => lifeline.end(error));
  worker.on('exit', (code) => lifeline.end(new Error(`its thread exited with code ${code}`)));
  const remote = Comlink.wrap<MisbehavingControl>(nodeEndpoint(worker));
  return { worker, lifeline, control: withDeadlines(remote, lifeline, deadlines) };
}

/** Milliseconds until promise settles, and how. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error?: unknown; value?: T }> {
  const started = Date.now();
  try {
    const value = await promise;
    return { ms: Date.now() - started, value };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

function send(host: ActorHost, shard: number): Promise<SendAck> {
  return new Promise((resolve, reject) => {
    const accepted = host.send(
      {
        shard,
        topic: 'TopicTest',
        queueId: 0,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        bornHost: [127, 0, 0, 1],
        bornPort: 5555,
        reconsumeTimes: 0,
        waitDurable: true,
        messages: [{ flag: 0, properties: '', body: Buffer.from('x') }],
      },
      resolve,
    );
    if (!accepted) reject(new Error('refused'));
  });
}

describe('actor control - deadlines and thread exits', () => {
  it('a call that is never answered rejects at its deadline, naming the method', async () => {
    const { control } = misbehavingWorker({ default: 5000, hang: 300 });
    expect(await control.echo('alive')).toBe('alive');
    const hung = await timed(control.hang());
    expect(hung.error).toBeInstanceOf(ControlCallError);
    expect((hung.error as ControlCallError).code).toBe(ControlCallErrorCode.TIMEOUT);
    expect((hung.error as Error).message).toBe('queue actor 7 did not answer hang within 300 ms');
    expect(hung.ms).toBeGreaterThanOrEqual(290);
    expect(hung.ms).toBeLessThan(3000);
    // The thread is still usable after a timed-out call.
    expect(await control.echo('still')).toBe('still');
  });

  it('calls in flight to a thread that exits reject at once, and so do later calls', async () => {
    const { control, lifeline } = misbehavingWorker({ default: 60_000 });
    expect(await control.echo('alive')).toBe('alive');
    const inFlight = [control.hang(), control.hang(), control.exitSoon(3)];
    const results = await timed(Promise.allSettled(inFlight));
    expect(results.ms).toBeLessThan(10_000);
    for (const result of results.value!) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as ControlCallError;
      expect(error.code).toBe(ControlCallErrorCode.ACTOR_GONE);
      expect(error.message).toMatch(/^queue actor 7 is gone \(its thread exited with code 3\)/);
    }
    expect(lifeline.callsInFlight).toBe(0);
    const later = await timed(control.echo('anyone?'));
    expect((later.error as ControlCallError).code).toBe(ControlCallErrorCode.ACTOR_GONE);
    expect(later.ms).toBeLessThan(100);
  });

  it("an error's code and store option cross the thread boundary", async () => {
    const { control } = misbehavingWorker({ default: 5000 });
    const failed = await timed(Promise.resolve().then(() => control.failWithCode()));
    expect(failed.error).toBeInstanceOf(Error);
    expect(failed.error).toMatchObject({
      name: 'StoreError',
      code: 'STORE_LAYOUT_MISMATCH',
      option: 'segmentSizeBytes',
      existing: 8388608,
      message: 'segments are 8388608 bytes',
    });
  });
});

describe('actor host - actors that cannot start or that die', () => {
  it('settles with the store error when two threads cannot open 1 MiB segments', async () => {
    const dir = tempDir();
    const started = timed(
      ActorHost.start({
        threads: 2,
        shards: 4,
        logger: pino({ level: 'silent' }),
        logLevel: 'silent',
        ringBytes: 1 << 20,
        // The broker refuses this at load; here it reaches the store, in both threads.
        storeOptionsFor: (shard) => ({
          directory: `${dir}/shard-${shard}`,
          segmentSizeBytes: 1 << 20,
        }),
      }),
    );
    const { error, ms } = await started;
    expect(ms).toBeLessThan(30_000);
    expect(error).toMatchObject({ code: 'STORE_INVALID_OPTION', option: 'segmentSizeBytes' });
    expect((error as Error).message).toMatch(
      /^queue actor [01] failed to start: options\.segmentSizeBytes/,
    );
  });

  it('settles when the actors do not open their shards within the ready deadline', async () => {
    const dir = tempDir();
    // Booting a thread takes far longer than 50 ms, so the deadline passes first.
    const { error, ms } = await timed(
      ActorHost.start({
        threads: 2,
        shards: 2,
        logger: pino({ level: 'silent' }),
        logLevel: 'silent',
        ringBytes: 1 << 20,
        readyDeadlineMs: 50,
        storeOptionsFor: (shard) => ({
          directory: `${dir}/shard-${shard}`,
          segmentSizeBytes: 8 << 20,
        }),
      }),
    );
    expect(ms).toBeLessThan(40_000);
    expect(error).toMatchObject({ code: ControlCallErrorCode.TIMEOUT });
    expect((error as Error).message).toMatch(
      /^queue actor [01] failed to start: queue actor [01] did not answer ready within 50 ms$/,
    );
  });

  it('an embedded startBroker with 1 MiB segments and 2 threads rejects with a ConfigError', async () => {
    const { error, ms } = await timed(
      startBroker({
        storePathRootDir: tempDir(),
        listenHost: '127.0.0.1',
        listenPort: 0,
        metricsPort: -1,
        brokerIP1: '127.0.0.1',
        mappedFileSizeCommitLog: 1 << 20,
        actorThreads: 2,
        logger: pino({ level: 'silent' }),
      }),
    );
    expect(ms).toBeLessThan(30_000);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('mappedFileSizeCommitLog');
  });

  it("a dead actor's sends and control calls are answered, and the death is reported", async () => {
    const dir = tempDir();
    const host = await ActorHost.start({
      threads: 2,
      shards: 2,
      logger: pino({ level: 'silent' }),
      logLevel: 'silent',
      ringBytes: 1 << 20,
      storeOptionsFor: (shard) => ({
        directory: `${dir}/shard-${shard}`,
        segmentSizeBytes: 8 << 20,
      }),
    });
    cleanups.push(() => host.close());
    const deaths: Array<{ actor: number; shards: number[]; message: string }> = [];
    host.onActorDeath(({ actor, shards, error }) =>
      deaths.push({ actor, shards, message: error.message }),
    );
    expect((await send(host, 1)).status).toBe(SendStatus.OK);
    const call = timed(host.control(1).flush());
    const inFlight = Array.from({ length: 50 }, () => send(host, 1));
    await host.threadOf(1).terminate();
    // Every send in flight is answered: stored before the thread ended, or refused after.
    const acks = await timed(Promise.all(inFlight));
    expect(acks.ms).toBeLessThan(10_000);
    for (const ack of acks.value!)
      expect([SendStatus.OK, SendStatus.SERVICE_NOT_AVAILABLE]).toContain(ack.status);
    const refused = acks.value!.filter((ack) => ack.status === SendStatus.SERVICE_NOT_AVAILABLE);
    for (const ack of refused) expect(ack.remark).toMatch(/^queue actor 1 stopped: /);
    expect(host.inflight).toBe(0);
    const { error } = await call;
    // The flush raced the termination: it either finished first or was rejected as gone.
    if (error !== undefined)
      expect((error as ControlCallError).code).toBe(ControlCallErrorCode.ACTOR_GONE);
    expect(deaths).toEqual([{ actor: 1, shards: [1], message: 'its thread exited with code 1' }]);
    const later = await timed(host.control(1).getMaxOffset(1, 'TopicTest', 0));
    expect((later.error as ControlCallError).code).toBe(ControlCallErrorCode.ACTOR_GONE);
    // The dead actor takes no more work; the live one still serves.
    await expect(send(host, 1)).rejects.toThrow('refused');
    expect((await send(host, 0)).status).toBe(SendStatus.OK);
    expect(await host.control(0).getMaxOffset(0, 'TopicTest', 0)).toBe(1);
  });

  it('a broker whose actor dies stops by itself with a clear log line and closes its port', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const broker = await startBroker({
      storePathRootDir: tempDir(),
      listenHost: '127.0.0.1',
      listenPort: 0,
      metricsPort: -1,
      brokerIP1: '127.0.0.1',
      mappedFileSizeCommitLog: 8 << 20,
      actorThreads: 2,
      storeShards: 2,
      logger,
    });
    cleanups.push(() => broker.close());
    await broker.context.actors.threadOf(0).terminate();
    const { value: reason, ms } = await timed(broker.stopped);
    expect(ms).toBeLessThan(30_000);
    expect(reason?.message).toBe(
      'queue actor 0 (shards 0) died: its thread exited with code 1; the broker stopped',
    );
    const fatal = lines.find((line) => line['msg'] === 'queue actor died; stopping the broker');
    expect(fatal).toMatchObject({ level: 60, actor: 0, shards: [0] });
    expect(lines.some((line) => line['msg'] === 'broker stopped')).toBe(true);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(broker.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
