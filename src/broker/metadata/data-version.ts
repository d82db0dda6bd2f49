/** RocketMQ's DataVersion: name servers compare it to decide whether a registration changed. */
export interface DataVersion {
  counter: number;
  timestamp: number;
}

export function nextDataVersion(previous: DataVersion | undefined): DataVersion {
  return { counter: (previous?.counter ?? 0) + 1, timestamp: Date.now() };
}
