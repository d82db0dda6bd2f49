import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ADMIN_SUBCOMMANDS, runAdminCommand } from '../../../src/cli/admin-command.ts';
import type { AdminIo } from '../../../src/cli/admin/context.ts';
import { createProgress } from '../../../src/cli/admin/progress.ts';

function memoryIo(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: AdminIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text), isTTY: false },
    env,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

const REQUIRED = [
  'updateTopic',
  'deleteTopic',
  'topicList',
  'topicRoute',
  'topicStatus',
  'clusterList',
  'brokerStatus',
  'updateSubGroup',
  'deleteSubGroup',
  'consumerProgress',
  'consumerConnection',
  'producerConnection',
  'queryMsgById',
  'queryMsgByKey',
  'queryMsgByOffset',
  'printMsg',
  'resetOffsetByTime',
  'sendMessage',
  'consumeMessage',
  'getBrokerConfig',
  'haStatus',
  'updateBrokerConfig',
];
/** Beyond the list: mqadmin's consumerStatus (GET_CONSUMER_RUNNING_INFO). */
const EXTRA = ['consumerStatus'];

describe('admin command - dispatch', () => {
  it('lists every mqadmin subcommand with one line each', async () => {
    const run = memoryIo();
    expect(await runAdminCommand([], run.io)).toBe(0);
    for (const name of REQUIRED)
      expect(run.stdout()).toMatch(new RegExp(`^  ${name} +\\S.*$`, 'm'));
    expect(ADMIN_SUBCOMMANDS.map((command) => command.name).sort()).toEqual(
      [...REQUIRED, ...EXTRA].sort(),
    );
  });

  it('shows the options of each subcommand with -h, letters unique within it', async () => {
    for (const command of ADMIN_SUBCOMMANDS) {
      const run = memoryIo();
      expect(await runAdminCommand([command.name, '-h'], run.io)).toBe(0);
      expect(run.stdout()).toContain(`usage: thrustmq admin ${command.name} [options]`);
      const letters = [...command.options.map((o) => o.letter), 'n', 'h'];
      expect(new Set(letters).size, command.name).toBe(letters.length);
    }
  });

  it('exits 2 with one line naming the option or the unknown subcommand', async () => {
    const missing = memoryIo();
    expect(await runAdminCommand(['deleteTopic', '-t', 'T'], missing.io)).toBe(2);
    expect(missing.stderr()).toBe('deleteTopic: -c (clusterName) is required\n');
    const pair = memoryIo();
    expect(await runAdminCommand(['sendMessage', '-t', 'T', '-p', 'x', '-b', 'a'], pair.io)).toBe(
      2,
    );
    expect(pair.stderr()).toBe('sendMessage: -i (qid) is required with -b (broker)\n');
    const badNamesrv = memoryIo();
    expect(await runAdminCommand(['topicList', '-n', 'nohost'], badNamesrv.io)).toBe(2);
    expect(badNamesrv.stderr()).toMatch(/^topicList: -n \(namesrvAddr\) entry "nohost"/);
    const unknown = memoryIo();
    expect(await runAdminCommand(['topiclist2'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toMatch(/unknown subcommand "topiclist2"/);
  });

  it('exits 1 with one line when the name server (from NAMESRV_ADDR) refuses', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = memoryIo({ NAMESRV_ADDR: `127.0.0.1:${port}` });
    expect(await runAdminCommand(['clusterList'], run.io)).toBe(1);
    expect(run.stderr()).toMatch(new RegExp(`^clusterList: .*127\\.0\\.0\\.1:${port}.*\\n$`));
    expect(run.stderr().split('\n')).toHaveLength(2);
    expect(run.stdout()).toBe('');
  });
});

describe('admin command - progress', () => {
  it('draws on a terminal and clears the line when done', () => {
    const written: string[] = [];
    const progress = createProgress(
      { write: (t: string) => written.push(t), isTTY: true },
      'queues',
    );
    progress.update(1, 2);
    progress.update(2, 2);
    progress.done();
    expect(written[0]).toContain('queues: 1/2');
    expect(written[1]).toContain('queues: 2/2');
    expect(written[2]).toBe('\r\u001b[2K');
  });

  it('stays silent when stderr is piped', () => {
    const written: string[] = [];
    const progress = createProgress({ write: (t: string) => written.push(t) }, 'queues');
    progress.update(1, 2);
    progress.done();
    expect(written).toEqual([]);
  });
});
