/**
 * Counters the admin requests and the runtime info report, and the history GET_BROKER_RUNTIME_INFO
 * derives RocketMQ's rates and day totals from: a sample of the counters every SAMPLE_INTERVAL_MS
 * (10 minutes kept, the longest window RocketMQ's "putTps" reports), and the counters as they
 * stood when the local day and the day before began, which mqadmin clusterList -m subtracts.
 */
export const SAMPLE_INTERVAL_MS = 10_000;
/** RocketMQ's putTps is three rates, over 10 s, 1 min and 10 min. */
export const TPS_WINDOWS_SECONDS = [10, 60, 600] as const;
const MAX_SAMPLES = 600_000 / SAMPLE_INTERVAL_MS + 1;

export interface CounterSample {
  at: number;
  putMessages: number;
  getTransferredMessages: number;
  getMessagesFound: number;
  getMisses: number;
}

export type RateCounter = Exclude<keyof CounterSample, 'at'>;

interface DayMarks {
  /** The local date the marks belong to, as Date.toDateString(). */
  day: string;
  todayMorning: CounterSample;
  yesterdayMorning: CounterSample;
}

export class BrokerStats {
  putMessages = 0;
  putBytes = 0;
  getMessagesFound = 0;
  getMisses = 0;
  getTransferredMessages = 0;
  private readonly samples: CounterSample[] = [];
  private marks: DayMarks;

  constructor(now = Date.now()) {
    // Counters start at zero, so at boot both mornings are zero.
    const zero = this.snapshot(now);
    this.marks = { day: new Date(now).toDateString(), todayMorning: zero, yesterdayMorning: zero };
    this.samples.push(zero);
  }

  snapshot(now = Date.now()): CounterSample {
    return {
      at: now,
      putMessages: this.putMessages,
      getTransferredMessages: this.getTransferredMessages,
      getMessagesFound: this.getMessagesFound,
      getMisses: this.getMisses,
    };
  }

  /** Called every SAMPLE_INTERVAL_MS; the first sample of a new day becomes its morning mark. */
  sample(now = Date.now()): void {
    const current = this.snapshot(now);
    this.samples.push(current);
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    const day = new Date(now).toDateString();
    if (day !== this.marks.day) {
      this.marks = { day, todayMorning: current, yesterdayMorning: this.marks.todayMorning };
    }
  }

  /** Per-second rate of `counter` over the last `seconds` (or since boot when younger). */
  rate(counter: RateCounter, seconds: number, now = Date.now()): number {
    const since = now - seconds * 1000;
    const base = this.samples.find((sample) => sample.at >= since) ?? this.samples[0]!;
    const elapsed = (now - base.at) / 1000;
    if (elapsed <= 0) return 0;
    return (this[counter] - base[counter]) / elapsed;
  }

  /** RocketMQ's "a b c" rates over TPS_WINDOWS_SECONDS, each with up to four decimals. */
  rates(counter: RateCounter, now = Date.now()): string {
    return TPS_WINDOWS_SECONDS.map((window) =>
      String(Math.round(this.rate(counter, window, now) * 10_000) / 10_000),
    ).join(' ');
  }

  mornings(): { today: CounterSample; yesterday: CounterSample } {
    return { today: this.marks.todayMorning, yesterday: this.marks.yesterdayMorning };
  }
}
