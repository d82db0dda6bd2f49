/**
 * A remoting command: one frame of the RocketMQ protocol, request or response
 * (protocol/REMOTING.md 2-5). extFields values are always strings once decoded, whatever
 * JSON type the sender used.
 */
import { ResponseCode, SERVER_VERSION } from './codes.ts';

export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

export const FLAG_RESPONSE = 1;
export const FLAG_ONEWAY = 2;

export interface RemotingCommand {
  code: number;
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string | undefined;
  extFields?: Record<string, string> | undefined;
  body?: Buffer | undefined;
  /** Header serialization of the frame; a response uses its request's. */
  serializeType: SerializeType;
}

export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & FLAG_RESPONSE) !== 0;
}

export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & FLAG_ONEWAY) !== 0;
}

/** A request to send; the sender assigns the opaque. */
export function createRequest(
  code: number,
  extFields?: Record<string, string>,
  body?: Buffer,
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: SERVER_VERSION,
    opaque: 0,
    flag: 0,
    extFields,
    body,
    serializeType: SerializeType.JSON,
  };
}

/** The response to request: same opaque and serialization, response flag, our version. */
export function createResponse(
  request: RemotingCommand,
  code: number = ResponseCode.SUCCESS,
  remark?: string,
  extFields?: Record<string, string>,
  body?: Buffer,
): RemotingCommand {
  return {
    code,
    language: 'JAVA',
    version: SERVER_VERSION,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    remark,
    extFields,
    body,
    serializeType: request.serializeType,
  };
}
