/**
 * Acknowledged delayed messages survive a SIGKILL of a SYNC_FLUSH broker process: timers
 * (deliverAt) and delay levels sent before the kill, some already moving through the timer
 * queues, all arrive after the restart, none before its time. Delivery is at least once: a
 * message whose move was stored but whose progress was not yet persisted may come twice, as in
 * RocketMQ, so the check is on the set of message ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemotingClient } from '../../src/remoting/index.ts';
import { waitFor } from '../harness/wait-for.ts';
import { adminClient, createTopic } from '../harness/broker-admin.ts';
import { startBrokerProcess } from '../harness/broker-process.ts';
import {
  cleanupAfterEach,
  startProducer,
  startRecordingConsumer,
} from '../harness/delivery-recorder.ts';
import { startNameServerProcess, stopAll } from '../harness/processes.ts';
import type { NameServerProcess } from '../harness/processes.ts';

const RUN = Math.random().toString(36).slice(2, 8);
const LEVELS = '1s 2s 3s';

let nameServer: NameServerProcess;
let admin: RemotingClient;
const cleanup = cleanupAfterEach();

beforeAll(async () => {
  nameServer = await startNameServerProcess();
  admin = adminClient();
}, 30_000);

afterAll(async () => {
  await admin?.close();
  await stopAll();
});

describe('crash - pending delayed messages and SIGKILL', () => {
  it('crash - every acknowledged timer and delay-level message arrives after a SIGKILL and restart, none early', async () => {
    const properties = { flushDiskType: 'SYNC_FLUSH', messageDelayLevel: LEVELS };
    let broker = await startBrokerProcess({ namesrvAddr: nameServer.address, properties });
    const topic = `CrashDelay_${RUN}`;
    await createTopic(admin, broker.address, nameServer.address, topic, 4);
    const producer = await startProducer(nameServer.address, `PID_crash_${RUN}`, cleanup);
    const due = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < 60; i++) {
      const delayMs = 1500 + (i % 20) * 150;
      const sent =
        i % 3 === 0
          ? await producer.send({
              topic,
              body: `level-${i}`,
              delayLevel: 3,
            })
          : await producer.send({ topic, body: `timer-${i}`, deliverAt: Date.now() + delayMs });
      due.set(sent.msgId, i % 3 === 0 ? Date.now() + 3000 : Date.now() + delayMs);
    }
    // Some timers have made hops by now; none is due yet (the first is due 1.5 s after send).
    const killAt = started + 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, killAt - Date.now())));
    await broker.stop('SIGKILL');
    broker = await startBrokerProcess({
      namesrvAddr: nameServer.address,
      dataDir: broker.dataDir,
      port: broker.port,
      properties,
    });
    const { seen } = await startRecordingConsumer(
      { namesrvAddr: nameServer.address, group: `GID_crash_${RUN}`, topic },
      cleanup,
    );
    await waitFor(
      () => new Set(seen.map((s) => s.message.msgId)).size >= due.size,
      20_000,
      () => `seen ${new Set(seen.map((s) => s.message.msgId)).size} of ${due.size}`,
    );
    expect(new Set(seen.map((s) => s.message.msgId))).toEqual(new Set(due.keys()));
    for (const { message } of seen) {
      // The stored time of the delivered copy is never before the message was due (a few ms of
      // slack for the sender's clock reading after its send returned).
      expect(message.storeTimestamp).toBeGreaterThanOrEqual(due.get(message.msgId)! - 50);
    }
  }, 60_000);
});
