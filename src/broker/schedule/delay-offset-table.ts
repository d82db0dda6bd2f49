/**
 * config/delayOffset.json: delay level → next queue offset to deliver in SCHEDULE_TOPIC_XXXX,
 * in RocketMQ's form `{"offsetTable":{1:0,2:5}}` (fastjson writes the integer keys unquoted).
 * The timer topic keeps its progress the same way in config/timerOffset.json (key queueId + 1).
 */
import { join } from 'node:path';
import { readConfigFile, writeConfigFile, writeConfigFileSync } from '../metadata/config-file.ts';

export class DelayOffsetTable {
  private readonly path: string;
  private readonly offsets = new Map<number, number>();
  private dirty = false;

  constructor(configDirectory: string, fileName = 'delayOffset.json') {
    this.path = join(configDirectory, fileName);
  }

  /** Reads the file; a missing file means every level starts at 0, a broken one throws. */
  load(): void {
    const text = readConfigFile(this.path);
    if (text === undefined || text.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.replace(/([{,]\s*)(-?\d+)\s*:/g, '$1"$2":'));
    } catch (error) {
      throw new Error(`${this.path} is not valid: ${(error as Error).message}`);
    }
    const table = (parsed as { offsetTable?: unknown } | null)?.offsetTable;
    if (table === undefined || table === null) return;
    if (typeof table !== 'object') throw new Error(`${this.path}: offsetTable is not an object`);
    for (const [key, value] of Object.entries(table)) {
      const level = Number(key);
      if (Number.isInteger(level) && level > 0 && Number.isSafeInteger(value) && Number(value) >= 0)
        this.offsets.set(level, Number(value));
    }
  }

  get(level: number): number {
    return this.offsets.get(level) ?? 0;
  }

  set(level: number, offset: number): void {
    if (this.offsets.get(level) === offset) return;
    this.offsets.set(level, offset);
    this.dirty = true;
  }

  /** The table with every level up to `levels` (0 where unset), for GET_ALL_DELAY_OFFSET. */
  serialize(levels: number): string {
    const all = new Map(this.offsets);
    for (let level = 1; level <= levels; level++) if (!all.has(level)) all.set(level, 0);
    return format(all);
  }

  private text(): string {
    return format(this.offsets);
  }

  async persist(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await writeConfigFile(this.path, this.text());
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  persistSync(): void {
    writeConfigFileSync(this.path, this.text());
    this.dirty = false;
  }
}

function format(offsets: ReadonlyMap<number, number>): string {
  const entries = [...offsets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([level, offset]) => `${level}:${offset}`);
  return `{"offsetTable":{${entries.join(',')}}}`;
}
