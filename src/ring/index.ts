/**
 * The data-plane ring between the coordinator and its queue actors: one RingChannel per
 * direction per actor, a RingWriter on one thread and a RingReader on the other.
 */
export {
  MAX_RING_CAPACITY_BYTES,
  MIN_RING_CAPACITY_BYTES,
  RingReader,
  RingWriter,
  createRingChannel,
  maxPayloadBytesFor,
  recordBytesFor,
} from './record-ring.ts';
export type { RecordFill, RecordVisitor, RingChannel } from './record-ring.ts';
export { RING_ERROR_CODES, RingError, RingErrorCode } from './ring-errors.ts';
