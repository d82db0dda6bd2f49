/**
 * The header schema of every request code the name server serves (protocol/REMOTING.md 10),
 * checked by request-schema.ts before the code's handler runs.
 */
import { RequestCode } from '../remoting/codes.ts';
import type { FieldRule, RequestSchema } from '../remoting/request-schema.ts';

/** Names and addresses: far above any real one, far below a frame. */
const NAME = 1024;
const required = (maxLength = NAME): FieldRule => ({ type: 'string', required: true, maxLength });
const optional = (maxLength = NAME): FieldRule => ({ type: 'string', maxLength });
const brokerId: FieldRule = { type: 'long', required: true, min: 0 };
const bool: FieldRule = { type: 'bool' };
const brokerFields = {
  clusterName: required(),
  brokerAddr: required(),
  brokerName: required(),
  brokerId,
};

export const NAMESRV_REQUEST_SCHEMAS: ReadonlyMap<number, RequestSchema> = new Map<
  number,
  RequestSchema
>([
  [
    RequestCode.REGISTER_BROKER,
    {
      fields: {
        ...brokerFields,
        haServerAddr: required(),
        compressed: bool,
        bodyCrc32: { type: 'int' },
        heartbeatTimeoutMillis: { type: 'long' },
        enableActingMaster: bool,
      },
    },
  ],
  [RequestCode.UNREGISTER_BROKER, { fields: brokerFields }],
  [
    RequestCode.GET_ROUTEINFO_BY_TOPIC,
    { fields: { topic: required(), acceptStandardJsonOnly: bool } },
  ],
  [RequestCode.GET_BROKER_CLUSTER_INFO, {}],
  [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {}],
  [RequestCode.GET_TOPICS_BY_CLUSTER, { fields: { cluster: required() } }],
  [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, {}],
  [RequestCode.QUERY_DATA_VERSION, { fields: brokerFields, body: { maxBytes: 64 * 1024 } }],
  [RequestCode.DELETE_TOPIC_IN_NAMESRV, { fields: { topic: required(), clusterName: optional() } }],
  [RequestCode.WIPE_WRITE_PERM_OF_BROKER, { fields: { brokerName: required() } }],
  [RequestCode.ADD_WRITE_PERM_OF_BROKER, { fields: { brokerName: required() } }],
  [
    RequestCode.PUT_KV_CONFIG,
    { fields: { namespace: required(), key: required(), value: required(64 * 1024) } },
  ],
  [RequestCode.GET_KV_CONFIG, { fields: { namespace: required(), key: required() } }],
  [RequestCode.DELETE_KV_CONFIG, { fields: { namespace: required(), key: required() } }],
  [RequestCode.GET_KVLIST_BY_NAMESPACE, { fields: { namespace: required() } }],
]);
