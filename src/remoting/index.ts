/** The remoting layer: frames, headers, fastjson bodies, server and client. */
export { ResponseCode, RequestCode, SERVER_VERSION, STANDARD_JSON_ROUTE_VERSION } from './codes.ts';
export {
  createRequest,
  createResponse,
  FLAG_ONEWAY,
  FLAG_RESPONSE,
  isOneway,
  isResponse,
  SerializeType,
} from './command.ts';
export type { RemotingCommand } from './command.ts';
export {
  HeaderFieldError,
  REMOTING_ERROR_CODES,
  RemotingError,
  RemotingErrorCode,
} from './errors.ts';
export {
  optionalBool,
  optionalInt,
  optionalLong,
  optionalString,
  requireInt,
  requireLong,
  requireString,
} from './ext-fields.ts';
export { parseLenientJson, toFastJson } from './fastjson.ts';
export type { FastJsonOptions } from './fastjson.ts';
export {
  decodeCommand,
  DEFAULT_MAX_FRAME_BYTES,
  encodeCommand,
  encodeFrameParts,
  FrameDecoder,
} from './frame-codec.ts';
export { DEFAULT_MAX_INFLIGHT_REQUESTS, RemotingConnection } from './connection.ts';
export type { ConnectionOptions, RequestHandler } from './connection.ts';
export {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_PENDING_WRITE_BYTES,
  RemotingServer,
} from './server.ts';
export type { RemotingServerOptions } from './server.ts';
export { parseAddress, RemotingClient } from './client.ts';
export type { RemotingClientOptions } from './client.ts';
