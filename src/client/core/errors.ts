/**
 * The SDK's errors: one base class with a stable `code`, one subclass per failure users act on
 * differently. Broker answers keep the RocketMQ response code and remark.
 */
import type { ErrorCodeEntry } from '../../protocol/thrustmq-error.ts';
import { ThrustMQError } from '../../protocol/thrustmq-error.ts';
import { RemotingError, RemotingErrorCode, ResponseCode } from '../../remoting/index.ts';

export const ClientErrorCode = {
  TIMEOUT: 'CLIENT_TIMEOUT',
  NO_ROUTE: 'CLIENT_NO_ROUTE',
  BROKER_BUSY: 'CLIENT_BROKER_BUSY',
  MESSAGE_TOO_LARGE: 'CLIENT_MESSAGE_TOO_LARGE',
  BROKER_ERROR: 'CLIENT_BROKER_ERROR',
  CONNECTION: 'CLIENT_CONNECTION',
  INVALID_ARGUMENT: 'CLIENT_INVALID_ARGUMENT',
  CLOSED: 'CLIENT_CLOSED',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

const CLIENT_ERROR_MEANINGS: Readonly<Record<ClientErrorCode, [className: string, string]>> = {
  CLIENT_TIMEOUT: ['TimeoutError', 'a request got no answer within its timeout'],
  CLIENT_NO_ROUTE: [
    'NoRouteError',
    'the name servers know no route for the topic (or it does not exist)',
  ],
  CLIENT_BROKER_BUSY: ['BrokerBusyError', 'the broker answered SYSTEM_BUSY: retry later'],
  CLIENT_MESSAGE_TOO_LARGE: [
    'MessageTooLargeError',
    "the message is larger than the broker's maxMessageSize",
  ],
  CLIENT_BROKER_ERROR: [
    'BrokerError',
    'a broker or name server answered with another error code (`responseCode`, `remark`)',
  ],
  CLIENT_CONNECTION: [
    'ConnectionError',
    'a connection could not be opened or broke during the request',
  ],
  CLIENT_INVALID_ARGUMENT: [
    'InvalidArgumentError',
    'an argument or option of the SDK is invalid (the message names it)',
  ],
  CLIENT_CLOSED: ['ClientClosedError', 'the producer, consumer or admin was closed'],
};

export const CLIENT_ERROR_CODES: readonly ErrorCodeEntry[] = Object.entries(
  CLIENT_ERROR_MEANINGS,
).map(([code, [className, meaning]]) => ({ code, family: 'client', className, meaning }));

export interface ClientErrorDetails {
  /** The RocketMQ response code when a broker or name server answered. */
  responseCode?: number;
  remark?: string;
  address?: string;
  cause?: unknown;
}

export class MQClientError extends ThrustMQError {
  override name = 'MQClientError';
  declare readonly code: ClientErrorCode;
  readonly responseCode: number | undefined;
  readonly remark: string | undefined;
  readonly address: string | undefined;

  constructor(code: ClientErrorCode, message: string, details: ClientErrorDetails = {}) {
    super(code, message, details);
    this.responseCode = details.responseCode;
    this.remark = details.remark;
    this.address = details.address;
  }
}

export class TimeoutError extends MQClientError {
  override name = 'TimeoutError';
  constructor(message: string, details?: ClientErrorDetails) {
    super(ClientErrorCode.TIMEOUT, message, details);
  }
}

export class NoRouteError extends MQClientError {
  override name = 'NoRouteError';
  constructor(message: string, details?: ClientErrorDetails) {
    super(ClientErrorCode.NO_ROUTE, message, details);
  }
}

export class BrokerBusyError extends MQClientError {
  override name = 'BrokerBusyError';
  constructor(message: string, details?: ClientErrorDetails) {
    super(ClientErrorCode.BROKER_BUSY, message, details);
  }
}

export class MessageTooLargeError extends MQClientError {
  override name = 'MessageTooLargeError';
  constructor(message: string, details?: ClientErrorDetails) {
    super(ClientErrorCode.MESSAGE_TOO_LARGE, message, details);
  }
}

export class BrokerError extends MQClientError {
  override name = 'BrokerError';
  constructor(message: string, details?: ClientErrorDetails) {
    super(ClientErrorCode.BROKER_ERROR, message, details);
  }
}

export class ConnectionError extends MQClientError {
  override name = 'ConnectionError';
  constructor(message: string, details?: ClientErrorDetails) {
    super(ClientErrorCode.CONNECTION, message, details);
  }
}

export class InvalidArgumentError extends MQClientError {
  override name = 'InvalidArgumentError';
  constructor(message: string, details?: ClientErrorDetails) {
    super(ClientErrorCode.INVALID_ARGUMENT, message, details);
  }
}

export class ClientClosedError extends MQClientError {
  override name = 'ClientClosedError';
  constructor(what: string) {
    super(ClientErrorCode.CLOSED, `${what} is closed`);
  }
}

/** The typed error for a non-success answer from a broker or name server. */
export function errorFromResponse(
  code: number,
  remark: string | undefined,
  address: string,
  what: string,
): MQClientError {
  const details = { responseCode: code, remark, address };
  const text = `${what} failed at ${address}: code ${code}${remark ? `, ${remark}` : ''}`;
  switch (code) {
    case ResponseCode.SYSTEM_BUSY:
      return new BrokerBusyError(text, details);
    case ResponseCode.MESSAGE_ILLEGAL:
      // The same code covers sizes and bad content (a timer beyond the broker's maximum).
      return remark?.startsWith('timer message illegal')
        ? new InvalidArgumentError(text, details)
        : new MessageTooLargeError(text, details);
    case ResponseCode.TOPIC_NOT_EXIST:
      return new NoRouteError(text, details);
    default:
      return new BrokerError(text, details);
  }
}

/** The typed error for a failed request at the connection level. */
export function errorFromRemoting(error: unknown, address: string, what: string): MQClientError {
  if (error instanceof MQClientError) return error;
  if (error instanceof RemotingError && error.code === RemotingErrorCode.TIMEOUT) {
    return new TimeoutError(`${what} timed out at ${address}`, { address, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectionError(`${what} failed at ${address}: ${message}`, { address, cause: error });
}

/** An integer option in [min, max], or an InvalidArgumentError naming options.<name>. */
export function integerOption(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `options.${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}
