/**
 * Reads a RegisterBrokerBody (protocol/REMOTING.md 8.2): JSON, standard or fastjson form, with
 * every field checked so that a malformed body becomes a NamesrvError naming what is wrong.
 *
 *   {"filterServerList":[...],
 *    "topicConfigSerializeWrapper":{"dataVersion":{"counter":1,"timestamp":1700000000000},
 *                                   "topicConfigTable":{"T":{"topicName":"T","perm":6,...}}}}
 */
import { parseLenientJson } from '../remoting/fastjson.ts';
import { NamesrvError, NamesrvErrorCode } from './errors.ts';
import type { DataVersion, RegisterBrokerBody, TopicConfigEntry } from './route-types.ts';
import { MAX_NAME_LENGTH, MAX_QUEUE_NUMS } from './route-types.ts';

type JsonObject = Record<string, unknown>;

function bad(message: string): NamesrvError {
  return new NamesrvError(NamesrvErrorCode.BAD_BODY, message);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return parseLenientJson(body.toString('utf8'));
  } catch (cause) {
    throw new NamesrvError(
      NamesrvErrorCode.BAD_BODY,
      `${what} is not valid JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
}

function integerField(
  object: JsonObject,
  key: string,
  where: string,
  min: number,
  max: number,
  fallback?: number,
): number {
  const value = object[key];
  if (value === undefined && fallback !== undefined) return fallback;
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw bad(`${where}.${key} must be an integer in [${min}, ${max}] (got ${describe(value)})`);
  }
  return number;
}

function longField(object: JsonObject, key: string, where: string): number | bigint {
  const value = object[key];
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) {
    const parsed = BigInt(value);
    return parsed >= BigInt(Number.MIN_SAFE_INTEGER) && parsed <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(parsed)
      : parsed;
  }
  throw bad(`${where}.${key} must be an integer (got ${describe(value)})`);
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

export function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw bad(
      `${what} must be a string of 1 to ${MAX_NAME_LENGTH} characters (got ${describe(value)})`,
    );
  }
  return value;
}

export function readDataVersion(value: unknown, where: string): DataVersion {
  if (!isObject(value)) throw bad(`${where} must be an object (got ${describe(value)})`);
  const version: DataVersion = {
    counter: longField(value, 'counter', where),
    timestamp: longField(value, 'timestamp', where),
  };
  if (value.stateVersion !== undefined) {
    version.stateVersion = longField(value, 'stateVersion', where);
  }
  return version;
}

/** A DataVersion body (QUERY_DATA_VERSION). */
export function parseDataVersionBody(body: Buffer | undefined): DataVersion {
  if (body === undefined || body.length === 0) throw bad('the DataVersion body is missing');
  return readDataVersion(parseJson(body, 'the DataVersion body'), 'dataVersion');
}

function readTopicConfig(key: string, value: unknown): TopicConfigEntry {
  const where = `topicConfigTable[${describe(key)}]`;
  if (!isObject(value)) throw bad(`${where} must be an object (got ${describe(value)})`);
  const topicName = value.topicName === undefined ? key : value.topicName;
  const sysFlagKey = value.topicSysFlag === undefined ? 'topicSynFlag' : 'topicSysFlag';
  return {
    topicName: checkName(topicName, `${where}.topicName`),
    readQueueNums: integerField(value, 'readQueueNums', where, 0, MAX_QUEUE_NUMS),
    writeQueueNums: integerField(value, 'writeQueueNums', where, 0, MAX_QUEUE_NUMS),
    perm: integerField(value, 'perm', where, 0, 15),
    topicSysFlag: integerField(value, sysFlagKey, where, 0, 2 ** 31 - 1, 0),
  };
}

/**
 * Parses and validates a register body. maxTopics bounds the topic table it may carry, so a
 * hostile body is refused before anything is built from it.
 */
export function parseRegisterBrokerBody(body: Buffer, maxTopics: number): RegisterBrokerBody {
  const root = parseJson(body, 'the register broker body');
  if (!isObject(root)) throw bad(`the register broker body must be a JSON object`);
  const wrapper = root.topicConfigSerializeWrapper;
  if (!isObject(wrapper)) {
    throw bad(`topicConfigSerializeWrapper must be an object (got ${describe(wrapper)})`);
  }
  const dataVersion = readDataVersion(
    wrapper.dataVersion,
    'topicConfigSerializeWrapper.dataVersion',
  );
  const table = wrapper.topicConfigTable ?? {};
  if (!isObject(table)) throw bad(`topicConfigTable must be an object (got ${describe(table)})`);
  const keys = Object.keys(table);
  if (keys.length > maxTopics) {
    throw new NamesrvError(
      NamesrvErrorCode.LIMIT_EXCEEDED,
      `the register broker body carries ${keys.length} topics; this name server holds at most ${maxTopics}`,
    );
  }
  const topicConfigs = keys.map((key) => readTopicConfig(key, table[key]));
  const filters = root.filterServerList ?? [];
  if (!Array.isArray(filters) || filters.some((f) => typeof f !== 'string')) {
    throw bad(`filterServerList must be an array of strings (got ${describe(filters)})`);
  }
  return { dataVersion, topicConfigs, filterServerList: filters as string[] };
}

export function dataVersionsEqual(a: DataVersion, b: DataVersion): boolean {
  return (
    String(a.counter) === String(b.counter) &&
    String(a.timestamp) === String(b.timestamp) &&
    String(a.stateVersion ?? 0) === String(b.stateVersion ?? 0)
  );
}

/** DataVersion JSON as fastjson writes it; longs stay exact whether number or bigint. */
export function encodeDataVersion(version: DataVersion): Buffer {
  const state = version.stateVersion === undefined ? '' : `,"stateVersion":${version.stateVersion}`;
  return Buffer.from(`{"counter":${version.counter}${state},"timestamp":${version.timestamp}}`);
}
