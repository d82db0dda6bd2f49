/**
 * Bodies the name server sends, in fastjson's forms (protocol/REMOTING.md 7, 8.1). Only a topic
 * route has a standard form: clients from 4.9.4 on ask for it (version >= 401 or
 * acceptStandardJsonOnly); every other body keeps bare numeric broker-id keys.
 */
import { toFastJson } from '../remoting/fastjson.ts';
import type { ClusterInfo, TopicList, TopicRouteData } from './route-types.ts';

export function encodeTopicRoute(route: TopicRouteData, standard: boolean): Buffer {
  return Buffer.from(toFastJson(route, { standard }));
}

export function encodeClusterInfo(info: ClusterInfo): Buffer {
  return Buffer.from(toFastJson(info));
}

export function encodeTopicList(list: TopicList): Buffer {
  return Buffer.from(toFastJson(list));
}

/** KVTable: `{"table":{key:value}}`. */
export function encodeKvTable(table: ReadonlyMap<string, string>): Buffer {
  return Buffer.from(toFastJson({ table: new Map(table) }));
}
