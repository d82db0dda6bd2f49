/** How full each queue actor's rings are, and what waits at the coordinator to enter them. */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ActorHost } from '../actor/actor-host.ts';

export function registerActorMetrics(
  registry: Registry,
  actors: Pick<ActorHost, 'ringUsage'>,
): void {
  const registers = [registry];
  new Gauge({
    name: 'thrustmq_ring_occupancy_ratio',
    help: "Share of a queue actor's ring in use: request (to the actor) or response (from it).",
    labelNames: ['actor', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const usage of actors.ringUsage()) {
        const actor = String(usage.actor);
        this.set({ actor, direction: 'request' }, usage.requestBytes / usage.capacityBytes);
        this.set({ actor, direction: 'response' }, usage.responseBytes / usage.capacityBytes);
      }
    },
  });
  new Gauge({
    name: 'thrustmq_ring_queued_requests',
    help: 'Requests waiting for admission into a queue actor’s request ring (its space or actorAdmissionUnits).',
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const usage of actors.ringUsage())
        this.set({ actor: String(usage.actor) }, usage.queuedRequests);
    },
  });

  new Counter({
    name: 'thrustmq_actor_admission_deferred_total',
    help: "Requests that waited at the coordinator for admission into a queue actor's ring (actorAdmissionUnits or ring space).",
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const usage of actors.ringUsage())
        this.inc({ actor: String(usage.actor) }, usage.deferredRequests);
    },
  });
  new Gauge({
    name: 'thrustmq_actor_admission_waiting_flows',
    help: 'Connections with requests waiting for admission into a queue actor’s ring, served in turn.',
    labelNames: ['actor'],
    registers,
    collect() {
      this.reset();
      for (const usage of actors.ringUsage())
        this.set({ actor: String(usage.actor) }, usage.waitingFlows);
    },
  });
}
