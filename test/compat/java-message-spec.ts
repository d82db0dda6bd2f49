/**
 * A message as the Java scenarios build it (SendMessages.message): what the producer and the
 * filter/delay suites ask them to send. orderId is read only by SendWithSelector, which picks
 * the queue by it.
 */
export interface MessageSpec {
  body: string;
  tags?: string;
  keys?: string;
  properties?: Record<string, string>;
  delayLevel?: number;
  orderId?: string;
}
