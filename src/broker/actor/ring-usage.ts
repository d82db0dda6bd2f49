/** One actor's rings as the coordinator sees them now, for /metrics. */
export interface RingUsage {
  actor: number;
  capacityBytes: number;
  /** Written (published or not) and not yet released by the actor. */
  requestBytes: number;
  /** Published by the actor and not yet read here. */
  responseBytes: number;
  /** Requests waiting for admission into the request ring. */
  queuedRequests: number;
  /** Flows (connections) with requests waiting. */
  waitingFlows: number;
  /** Admission units written and not yet read by the actor. */
  unreadUnits: number;
  /** Requests that waited for admission, since start. */
  deferredRequests: number;
}
