/**
 * Per-topic message and byte counts of sends and pulls, kept on the coordinator for the
 * /metrics endpoint. Counting is one or two Map lookups and two additions per request, with no
 * allocation once a series exists; prom-client reads the maps only at scrape time. Series are
 * bounded: past maxSeries, new topics (and topic/group pairs) count under OTHER_LABEL.
 */
import { LatencyBuckets } from './latency-buckets.ts';

export const OTHER_LABEL = '_other_';
export const DEFAULT_MAX_SERIES = 10_000;

export interface Traffic {
  messages: number;
  bytes: number;
}

export class TrafficCounters {
  readonly maxSeries: number;
  /** Pulls answered without being held: arrival to response. */
  readonly pullLatency = new LatencyBuckets();
  /** Pulls that found nothing and were parked for long polling. */
  pullsHeld = 0;
  private readonly inbound = new Map<string, Traffic>();
  private readonly outbound = new Map<string, Map<string, Traffic>>();
  private outboundCount = 0;
  private readonly otherIn: Traffic = { messages: 0, bytes: 0 };
  private readonly otherOut: Traffic = { messages: 0, bytes: 0 };

  constructor(maxSeries = DEFAULT_MAX_SERIES) {
    if (!(Number.isInteger(maxSeries) && maxSeries >= 1))
      throw new Error(`maxSeries must be an integer >= 1, got ${maxSeries}`);
    this.maxSeries = maxSeries;
  }

  /** Messages stored for topic (a send request's messages and body bytes). */
  countIn(topic: string, messages: number, bytes: number): void {
    const traffic = this.inbound.get(topic) ?? this.addIn(topic);
    traffic.messages += messages;
    traffic.bytes += bytes;
  }

  /** Messages a pull by group returned from topic (and their stored bytes). */
  countOut(topic: string, group: string, messages: number, bytes: number): void {
    const traffic = this.outbound.get(topic)?.get(group) ?? this.addOut(topic, group);
    traffic.messages += messages;
    traffic.bytes += bytes;
  }

  /** What topic has stored since boot, or undefined when nothing was sent to it. */
  inboundOf(topic: string): Traffic | undefined {
    return this.inbound.get(topic);
  }

  /** What group has pulled from topic since boot, or undefined when it pulled nothing. */
  outboundOf(topic: string, group: string): Traffic | undefined {
    return this.outbound.get(topic)?.get(group);
  }

  /** Inbound series by topic; overflow (and a topic literally named OTHER_LABEL) merged. */
  inboundSeries(): Array<[topic: string, traffic: Traffic]> {
    const series: Array<[string, Traffic]> = [];
    const other = { ...this.otherIn };
    for (const [topic, traffic] of this.inbound) {
      if (topic === OTHER_LABEL) add(other, traffic);
      else series.push([topic, traffic]);
    }
    if (other.messages > 0 || other.bytes > 0) series.push([OTHER_LABEL, other]);
    return series;
  }

  outboundSeries(): Array<[topic: string, group: string, traffic: Traffic]> {
    const series: Array<[string, string, Traffic]> = [];
    const other = { ...this.otherOut };
    for (const [topic, groups] of this.outbound) {
      for (const [group, traffic] of groups) {
        if (topic === OTHER_LABEL && group === OTHER_LABEL) add(other, traffic);
        else series.push([topic, group, traffic]);
      }
    }
    if (other.messages > 0 || other.bytes > 0) series.push([OTHER_LABEL, OTHER_LABEL, other]);
    return series;
  }

  private addIn(topic: string): Traffic {
    if (this.inbound.size >= this.maxSeries) return this.otherIn;
    const traffic = { messages: 0, bytes: 0 };
    this.inbound.set(topic, traffic);
    return traffic;
  }

  private addOut(topic: string, group: string): Traffic {
    if (this.outboundCount >= this.maxSeries) return this.otherOut;
    let groups = this.outbound.get(topic);
    if (!groups) {
      groups = new Map();
      this.outbound.set(topic, groups);
    }
    const traffic = { messages: 0, bytes: 0 };
    groups.set(group, traffic);
    this.outboundCount++;
    return traffic;
  }
}

function add(into: Traffic, from: Traffic): void {
  into.messages += from.messages;
  into.bytes += from.bytes;
}
