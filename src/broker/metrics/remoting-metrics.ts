/**
 * What the broker's remoting servers refused and hold now: connections closed or refused by
 * each limit of server-limits-config.ts, connections paused by backpressure, partial frames.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { REFUSAL_REASONS } from '../../remoting/limit-counters.ts';
import type { RemotingServer } from '../../remoting/server.ts';

export type RemotingServerView = Pick<
  RemotingServer,
  'name' | 'counters' | 'connections' | 'partialFrameBytes' | 'pausedConnections'
>;

export function registerRemotingMetrics(
  registry: Registry,
  servers: readonly RemotingServerView[],
): void {
  const registers = [registry];
  new Counter({
    name: 'thrustmq_remoting_refused_total',
    help: 'Connections refused at accept or closed by a remoting limit, by port (server) and reason.',
    labelNames: ['server', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const server of servers)
        for (const reason of REFUSAL_REASONS)
          this.inc({ server: server.name, reason }, server.counters.refused[reason]);
    },
  });
  new Counter({
    name: 'thrustmq_remoting_backpressure_pauses_total',
    help: 'Times a connection stopped being read because it reached a per-connection cap.',
    labelNames: ['server'],
    registers,
    collect() {
      this.reset();
      for (const server of servers) this.inc({ server: server.name }, server.counters.paused);
    },
  });
  new Counter({
    name: 'thrustmq_remoting_turn_yields_total',
    help: 'Times a connection left requests it had read for the next event-loop turn (remotingRequestsPerTurn).',
    labelNames: ['server'],
    registers,
    collect() {
      this.reset();
      for (const server of servers) this.inc({ server: server.name }, server.counters.turnYields);
    },
  });
  const gauge = (name: string, help: string, read: (server: RemotingServerView) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['server'],
      registers,
      collect() {
        this.reset();
        for (const server of servers) this.set({ server: server.name }, read(server));
      },
    });
  gauge('thrustmq_remoting_connections', 'Open connections, by port.', (s) => s.connections.size);
  gauge(
    'thrustmq_remoting_paused_connections',
    'Connections not read now because of backpressure, by port.',
    (s) => s.pausedConnections,
  );
  gauge(
    'thrustmq_remoting_partial_frame_bytes',
    'Bytes of partly received frames held now, by port.',
    (s) => s.partialFrameBytes,
  );
}
