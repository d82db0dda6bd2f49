/**
 * suggestWhichBrokerId of a pull answer, as RocketMQ's PullMessageProcessor decides it: with
 * slaveReadEnable, a consumer reading further behind the commit log's end than
 * accessMessageInMemoryMaxRatio percent of the machine's memory (data the page cache no longer
 * holds) is sent to its group's whichBrokerWhenConsumeSlowly (1: the slave), and otherwise to
 * the group's brokerId (0); without it always to the master. Unlike RocketMQ's slave, which
 * answers PULL_RETRY_IMMEDIATELY without slaveReadEnable, ThrustMQ's slave always serves the
 * pull: it is how consumers go on while the master is down.
 */
import { totalmem } from 'node:os';
import { SHARD_OFFSET_BASE } from '../actor/actor-host.ts';
import type { BrokerContext } from '../coordinator/broker-context.ts';
import { Field, readInt64 } from '../../protocol/message-record.ts';

export function suggestedBrokerId(
  ctx: BrokerContext,
  group: string,
  shard: number,
  data: Buffer | undefined,
): string {
  const { config } = ctx;
  if (!config.slaveReadEnable) return '0';
  const groupConfig = ctx.groups.get(group);
  const normally = String(groupConfig?.brokerId ?? 0);
  if (!data || data.length < Field.PHYSICAL_OFFSET + 8) return normally;
  const firstOffset = readInt64(data, Field.PHYSICAL_OFFSET) - shard * SHARD_OFFSET_BASE;
  const behind = ctx.actors.positions.end(shard) - firstOffset;
  const inMemory = (totalmem() * config.accessMessageInMemoryMaxRatio) / 100;
  return behind > inMemory ? String(groupConfig?.whichBrokerWhenConsumeSlowly ?? 1) : normally;
}
