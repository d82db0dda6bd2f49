/** What the Java runner's stream-status scenario answers (StreamStatus.java). */
export interface StreamStatus {
  sent: number;
  failedAttempts: number;
  abandoned: number;
  producerDone: boolean;
  /** Body → times delivered. */
  deliveries: Record<string, number>;
}
