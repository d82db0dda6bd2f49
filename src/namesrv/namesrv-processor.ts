/**
 * Request handlers of the name server (protocol/REMOTING.md 10): each reads its header fields
 * and body, asks the route or KV manager, and builds the response. Each handler sits behind
 * its request schema (namesrv-request-schemas.ts): a header that breaks it is answered
 * SYSTEM_ERROR naming the field. A thrown error becomes a SYSTEM_ERROR response with its
 * message as remark (the remoting server does that).
 */
import type { Logger } from 'pino';
import { ResponseCode, RequestCode, STANDARD_JSON_ROUTE_VERSION } from '../remoting/codes.ts';
import { createResponse } from '../remoting/command.ts';
import type { RemotingCommand } from '../remoting/command.ts';
import {
  optionalBool,
  optionalInt,
  optionalLong,
  optionalString,
  requireLong,
  requireString,
} from '../remoting/ext-fields.ts';
import { guardHandler } from '../remoting/request-schema.ts';
import { bodyCrc32Matches } from './crc32.ts';
import { NamesrvError, NamesrvErrorCode } from './errors.ts';
import type { KvConfigManager } from './kv-config-manager.ts';
import { NAMESRV_REQUEST_SCHEMAS } from './namesrv-request-schemas.ts';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from './kv-config-manager.ts';
import {
  checkName,
  encodeDataVersion,
  parseDataVersionBody,
  parseRegisterBrokerBody,
} from './register-body.ts';
import type { ConnectionKey, RouteInfoManager } from './route-info-manager.ts';
import {
  encodeClusterInfo,
  encodeKvTable,
  encodeTopicList,
  encodeTopicRoute,
} from './route-json.ts';

/** What a handler needs of the connection a request came on. */
export interface RequestConnection {
  id: ConnectionKey;
}

export type NamesrvHandler = (
  request: RemotingCommand,
  connection: RequestConnection,
) => RemotingCommand | Promise<RemotingCommand>;

export interface NamesrvProcessorDeps {
  routes: RouteInfoManager;
  kvConfig: KvConfigManager;
  orderMessageEnable: boolean;
  logger: Logger;
}

/** 5.x brokers may send their own expiry; bounded so one broker cannot pin itself forever. */
const MAX_HEARTBEAT_TIMEOUT_MS = 24 * 3600 * 1000;
const MIN_HEARTBEAT_TIMEOUT_MS = 1000;

export function createNamesrvHandlers(deps: NamesrvProcessorDeps): Map<number, NamesrvHandler> {
  const { routes, kvConfig } = deps;
  const handlers = new Map<number, NamesrvHandler>();
  const ok = (request: RemotingCommand, ext?: Record<string, string>, body?: Buffer) =>
    createResponse(request, ResponseCode.SUCCESS, undefined, ext, body);

  handlers.set(RequestCode.REGISTER_BROKER, (request, connection) =>
    registerBroker(deps, request, connection),
  );

  handlers.set(RequestCode.UNREGISTER_BROKER, (request) => {
    routes.unregisterBroker(
      requireString(request, 'clusterName'),
      requireString(request, 'brokerAddr'),
      requireString(request, 'brokerName'),
      requireLong(request, 'brokerId'),
    );
    return ok(request);
  });

  handlers.set(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) => {
    const topic = requireString(request, 'topic');
    const route = routes.pickupTopicRoute(topic);
    if (route === undefined) {
      return createResponse(
        request,
        ResponseCode.TOPIC_NOT_EXIST,
        `No topic route info in name server for the topic: ${topic}`,
      );
    }
    if (deps.orderMessageEnable) {
      route.orderTopicConf = kvConfig.get(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
    }
    const standard =
      request.version >= STANDARD_JSON_ROUTE_VERSION ||
      optionalBool(request, 'acceptStandardJsonOnly', false);
    return ok(request, undefined, encodeTopicRoute(route, standard));
  });

  handlers.set(RequestCode.GET_BROKER_CLUSTER_INFO, (request) =>
    ok(request, undefined, encodeClusterInfo(routes.clusterInfo())),
  );
  handlers.set(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (request) =>
    ok(request, undefined, encodeTopicList(routes.allTopics())),
  );
  handlers.set(RequestCode.GET_TOPICS_BY_CLUSTER, (request) =>
    ok(
      request,
      undefined,
      encodeTopicList(routes.topicsByCluster(requireString(request, 'cluster'))),
    ),
  );
  handlers.set(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, (request) =>
    ok(request, undefined, encodeTopicList(routes.systemTopicList())),
  );

  handlers.set(RequestCode.QUERY_DATA_VERSION, (request) => {
    const brokerAddr = requireString(request, 'brokerAddr');
    requireString(request, 'brokerName');
    requireString(request, 'clusterName');
    requireLong(request, 'brokerId');
    const brokerVersion = parseDataVersionBody(request.body);
    const changed = routes.isBrokerTopicConfigChanged(brokerAddr, brokerVersion);
    if (!changed) routes.touchBroker(brokerAddr);
    const stored = routes.brokerDataVersion(brokerAddr);
    const body = stored === undefined ? undefined : encodeDataVersion(stored);
    return ok(request, { changed: String(changed) }, body);
  });

  handlers.set(RequestCode.DELETE_TOPIC_IN_NAMESRV, (request) => {
    routes.deleteTopic(requireString(request, 'topic'), optionalString(request, 'clusterName'));
    return ok(request);
  });
  handlers.set(RequestCode.WIPE_WRITE_PERM_OF_BROKER, (request) => {
    const count = routes.wipeWritePerm(requireString(request, 'brokerName'));
    return ok(request, { wipeTopicCount: String(count) });
  });
  handlers.set(RequestCode.ADD_WRITE_PERM_OF_BROKER, (request) => {
    const count = routes.addWritePerm(requireString(request, 'brokerName'));
    return ok(request, { addTopicCount: String(count) });
  });

  handlers.set(RequestCode.PUT_KV_CONFIG, async (request) => {
    await kvConfig.put(
      requireString(request, 'namespace'),
      requireString(request, 'key'),
      requireString(request, 'value'),
    );
    return ok(request);
  });
  handlers.set(RequestCode.GET_KV_CONFIG, (request) => {
    const namespace = requireString(request, 'namespace');
    const key = requireString(request, 'key');
    const value = kvConfig.get(namespace, key);
    if (value === undefined) {
      return createResponse(
        request,
        ResponseCode.QUERY_NOT_FOUND,
        `No config item, Namespace: ${namespace} Key: ${key}`,
      );
    }
    return ok(request, { value });
  });
  handlers.set(RequestCode.DELETE_KV_CONFIG, async (request) => {
    await kvConfig.delete(requireString(request, 'namespace'), requireString(request, 'key'));
    return ok(request);
  });
  handlers.set(RequestCode.GET_KVLIST_BY_NAMESPACE, (request) => {
    const namespace = requireString(request, 'namespace');
    const table = kvConfig.list(namespace);
    if (table === undefined) {
      return createResponse(
        request,
        ResponseCode.QUERY_NOT_FOUND,
        `No config item, Namespace: ${namespace}`,
      );
    }
    return ok(request, undefined, encodeKvTable(table));
  });
  for (const [code, handler] of handlers) handlers.set(code, guarded(code, handler));
  return handlers;
}

function guarded(code: number, handler: NamesrvHandler): NamesrvHandler {
  const schema = NAMESRV_REQUEST_SCHEMAS.get(code);
  // A handler without a schema is a programming error: refuse to start rather than serve it.
  if (schema === undefined) throw new Error(`request code ${code} has no request schema`);
  return guardHandler(schema, handler);
}

function registerBroker(
  deps: NamesrvProcessorDeps,
  request: RemotingCommand,
  connection: RequestConnection,
): RemotingCommand {
  const { routes, kvConfig } = deps;
  const clusterName = checkName(requireString(request, 'clusterName'), 'clusterName');
  const brokerName = checkName(requireString(request, 'brokerName'), 'brokerName');
  const brokerAddr = checkName(requireString(request, 'brokerAddr'), 'brokerAddr');
  const haServerAddr = requireString(request, 'haServerAddr');
  const brokerId = requireLong(request, 'brokerId');
  if (brokerId < 0) {
    throw new NamesrvError(
      NamesrvErrorCode.BAD_BODY,
      `brokerId must be 0 or more (got ${brokerId})`,
    );
  }
  if (optionalBool(request, 'compressed', false)) {
    throw new NamesrvError(
      NamesrvErrorCode.UNSUPPORTED,
      'compressed register body not supported; set compressedRegister=false on the broker',
    );
  }
  const body = request.body;
  const expectedCrc = optionalInt(request, 'bodyCrc32') ?? 0;
  if (body !== undefined && body.length > 0 && !bodyCrc32Matches(expectedCrc, body)) {
    throw new NamesrvError(NamesrvErrorCode.CRC_MISMATCH, 'crc32 not match');
  }
  const registerBody =
    body === undefined || body.length === 0
      ? undefined
      : parseRegisterBrokerBody(body, routes.limits.maxTopics);
  const heartbeat = optionalLong(request, 'heartbeatTimeoutMillis');
  const heartbeatTimeoutMs =
    heartbeat === undefined
      ? undefined
      : Math.min(Math.max(heartbeat, MIN_HEARTBEAT_TIMEOUT_MS), MAX_HEARTBEAT_TIMEOUT_MS);

  const result = routes.registerBroker({
    clusterName,
    brokerAddr,
    brokerName,
    brokerId,
    haServerAddr,
    body: registerBody,
    connection: connection.id,
    heartbeatTimeoutMs,
  });
  const ext: Record<string, string> = {};
  if (result.haServerAddr !== undefined) ext.haServerAddr = result.haServerAddr;
  if (result.masterAddr !== undefined) ext.masterAddr = result.masterAddr;
  const orderTable = kvConfig.list(NAMESPACE_ORDER_TOPIC_CONFIG);
  return createResponse(
    request,
    ResponseCode.SUCCESS,
    undefined,
    ext,
    orderTable === undefined ? undefined : encodeKvTable(orderTable),
  );
}
