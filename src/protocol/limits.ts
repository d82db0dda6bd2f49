/**
 * Size limits the wire and the stored layout impose, shared by the SDK (which refuses before
 * sending, as the Java client does), the broker (which answers MESSAGE_ILLEGAL) and the store.
 */

/** A stored message's properties length is a signed short (protocol/REMOTING.md 13.1). */
export const MAX_PROPERTIES_BYTES = 32_767;

/** A v1 stored record's topic length is one signed byte; RocketMQ's TopicValidator agrees. */
export const MAX_TOPIC_LENGTH = 127;

/** The Java client's Validators.CHARACTER_MAX_LENGTH for group names. */
export const MAX_GROUP_LENGTH = 255;

/** The most messages one SEND_BATCH_MESSAGE body may hold (protocol/REMOTING.md 13.7). */
export const MAX_BATCH_MESSAGES = 65_535;
