/**
 * Admission of requests into one queue actor's request ring, fair across the flows (client
 * connections) they come from.
 *
 * The actor serves its ring in order, so every record in it is work that a newly written record
 * waits behind. Left alone, one connection's burst of hundreds of pipelined sends or large pulls
 * fills the ring and a single request of another connection waits for all of it. So the work
 * written and not yet read by the actor is capped (in units: a small message is 1, a pull of
 * up to 256 KiB is 33; see sendUnits/pullUnits), and past the cap requests wait here, one queue
 * per flow, and are written as the actor reads, one request per waiting flow in turn
 * (round-robin). A request then waits for at most one request of each other waiting flow plus
 * the capped work, whatever the others have pipelined. With nothing waiting and room under the
 * cap, a request is written at once, as before.
 *
 * The cap stays well above one actor drain (256 records), so an actor is never starved by it:
 * it reads one drain while the coordinator refills behind it.
 */
import type { RecordFill, RingWriter } from '../../ring/index.ts';

/** Units unread in the ring past which requests wait (the broker's actorAdmissionUnits). */
export const DEFAULT_ADMISSION_UNITS = 1024;
/** How long one wait for the actor to read may last before the queues are checked again. */
const SPACE_WAIT_MS = 1000;
/**
 * A pull's unit is this many bytes of its maxBytes, plus one for the read itself: the actor
 * reads and copies those bytes (and the coordinator copies them again), so a 256 KiB pull costs
 * about as much as 30 small sends.
 */
const PULL_UNIT_BYTES = 8 * 1024;
/** A send's records count one unit per message, plus one per this many bytes. */
const SEND_UNIT_BYTES = 16 * 1024;

/** The admission cost of a send of `messages` messages in a record of `recordBytes`. */
export function sendUnits(messages: number, recordBytes: number): number {
  return Math.max(1, messages) + Math.floor(recordBytes / SEND_UNIT_BYTES);
}

/** The admission cost of a pull that may read up to `maxBytes`. */
export function pullUnits(maxBytes: number): number {
  return 1 + Math.floor(Math.max(0, maxBytes) / PULL_UNIT_BYTES);
}

interface Waiting {
  size: number;
  units: number;
  write: RecordFill;
}

/** One flow's requests waiting for admission, in arrival order. */
class FlowQueue {
  readonly items: Waiting[] = [];
  head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  shift(): void {
    this.items[this.head++] = undefined as unknown as Waiting;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
  }
}

export interface FairAdmissionOptions {
  /** Units written and not yet read by the actor past which requests wait (at least one goes). */
  maxUnreadUnits: number;
  /** Requests waiting across all flows past which offer() refuses. */
  maxWaiting: number;
  /** Called after records were written (the caller publishes them). */
  onWritten: () => void;
  /** True once the actor is gone or closed: waiting stops. */
  stopped: () => boolean;
}

export class FairAdmission {
  readonly #writer: RingWriter;
  readonly #options: FairAdmissionOptions;
  /** Flows with requests waiting; a Map keeps insertion order, the round-robin order. */
  readonly #flows = new Map<number, FlowQueue>();
  #waiting = 0;
  /** Units written into the ring and not yet read by the actor. */
  #unreadUnits = 0;
  /** [writtenBytes at the record's end, its units] of each unread record, oldest first. */
  #unread: number[] = [];
  #unreadHead = 0;
  #waitingForSpace = false;
  /** Requests that waited here before their admission, since start. */
  deferred = 0;

  constructor(writer: RingWriter, options: FairAdmissionOptions) {
    this.#writer = writer;
    this.#options = options;
  }

  /** Requests waiting for admission now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Flows with requests waiting now. */
  get waitingFlows(): number {
    return this.#flows.size;
  }

  /** Units in the ring not yet read by the actor (as last seen). */
  get unreadUnits(): number {
    return this.#unreadUnits;
  }

  /**
   * Writes a request now or queues it under its flow; false when too many already wait
   * (the caller answers SYSTEM_BUSY).
   */
  offer(flow: number, size: number, units: number, write: RecordFill): boolean {
    if (this.#waiting === 0 && this.#hasRoom(units) && this.#tryWrite(size, units, write)) {
      this.#options.onWritten();
      return true;
    }
    if (this.#waiting >= this.#options.maxWaiting) return false;
    let queue = this.#flows.get(flow);
    if (queue === undefined) {
      queue = new FlowQueue();
      this.#flows.set(flow, queue);
    }
    queue.items.push({ size, units, write });
    this.#waiting++;
    this.deferred++;
    this.#waitForSpace();
    return true;
  }

  /** Drops every waiting request (the actor is gone; its requests are answered elsewhere). */
  clear(): void {
    this.#flows.clear();
    this.#waiting = 0;
  }

  /** Writes waiting requests, one per flow in turn, while the cap and the ring allow. */
  #admit(): void {
    let written = 0;
    while (this.#waiting > 0) {
      const [flow, queue] = this.#flows.entries().next().value as [number, FlowQueue];
      const next = queue.items[queue.head]!;
      if (!this.#hasRoom(next.units) || !this.#tryWrite(next.size, next.units, next.write)) break;
      queue.shift();
      this.#waiting--;
      written++;
      // To the back of the round, or out of it.
      this.#flows.delete(flow);
      if (queue.length > 0) this.#flows.set(flow, queue);
    }
    if (written > 0) this.#options.onWritten();
  }

  #hasRoom(units: number): boolean {
    if (this.#unreadUnits + units <= this.#options.maxUnreadUnits) return true;
    this.#forgetRead();
    return this.#unreadUnits === 0 || this.#unreadUnits + units <= this.#options.maxUnreadUnits;
  }

  #tryWrite(size: number, units: number, write: RecordFill): boolean {
    if (!this.#writer.tryWrite(size, write)) return false;
    this.#unreadUnits += units;
    this.#unread.push(this.#writer.writtenBytes, units);
    return true;
  }

  /** Takes the records the actor has read out of the unread count. */
  #forgetRead(): void {
    const released = this.#writer.releasedBytes;
    const unread = this.#unread;
    let head = this.#unreadHead;
    while (head < unread.length && unread[head]! <= released) {
      this.#unreadUnits -= unread[head + 1]!;
      head += 2;
    }
    if (head === unread.length) {
      this.#unread = [];
      head = 0;
    } else if (head > 4096 && head * 2 > unread.length) {
      this.#unread = unread.slice(head);
      head = 0;
    }
    this.#unreadHead = head;
  }

  /** Waits (bounded, repeatedly) for the actor to read, admitting after each read. */
  #waitForSpace(): void {
    if (this.#waitingForSpace) return;
    this.#waitingForSpace = true;
    const retry = (): void => {
      if (this.#options.stopped()) {
        this.#waitingForSpace = false;
        return;
      }
      this.#admit();
      if (this.#waiting === 0) {
        this.#waitingForSpace = false;
        return;
      }
      this.#writer.waitForSpace(SPACE_WAIT_MS).then(retry, stop);
    };
    const stop = (): void => {
      this.#waitingForSpace = false;
    };
    this.#writer.waitForSpace(SPACE_WAIT_MS).then(retry, stop);
  }
}
