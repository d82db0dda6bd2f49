import { describe, expect, it } from 'vitest';
import { StoreError, StoreErrorCode } from '../../../native-free-store/index.ts';
import {
  AlreadyRunningError,
  CommandFailedError,
  UsageError,
} from '../../../src/cli/cli-errors.ts';
import { ERROR_CODES } from '../../../src/cli/error-codes-doc.ts';
import { cliFailure, exitCodeOf, ExitCode, writeFailure } from '../../../src/cli/exit-codes.ts';
import { LogLevelError } from '../../../src/cli/process-logger.ts';
import { DeadLetterNotFoundError, InvalidArgumentError, NoRouteError } from '../../../src/index.ts';
import { ConfigError } from '../../../src/common/config-schema.ts';
import { PropertiesError } from '../../../src/common/properties.ts';
import { NamesrvConfigError } from '../../../src/namesrv/namesrv-config.ts';
import { RemotingError, RemotingErrorCode } from '../../../src/remoting/index.ts';

describe('exit codes - by code family', () => {
  it('bad arguments and configuration exit 2, everything else 1', () => {
    const usage = [
      new UsageError('bad'),
      new LogLevelError('bad level'),
      new ConfigError('listenPort', 'invalid value for listenPort'),
      new NamesrvConfigError('listenPort', 'bad'),
      new PropertiesError('CONFIG_PROPERTIES_UNREADABLE', 'cannot read'),
      new InvalidArgumentError('bad topic'),
      new DeadLetterNotFoundError('G', 7, 'broker-a'),
    ];
    for (const error of usage) expect(cliFailure(error).exitCode, error.name).toBe(ExitCode.USAGE);
    const failed = [
      new StoreError(StoreErrorCode.IO_ERROR, 'read failed'),
      new RemotingError(RemotingErrorCode.CONNECT, 'refused'),
      new NoRouteError('no route'),
      new AlreadyRunningError('running'),
      new CommandFailedError('nothing found'),
      new Error('a bug'),
      'a string',
    ];
    for (const error of failed) expect(cliFailure(error).exitCode, String(error)).toBe(1);
  });

  it('gives every documented code an exit status of 1 or 2', () => {
    for (const { code } of ERROR_CODES) expect([1, 2], code).toContain(exitCodeOf(code));
    expect(exitCodeOf('USAGE_SOMETHING_NEW')).toBe(2);
    expect(exitCodeOf('STORE_SOMETHING_NEW')).toBe(1);
  });
});

describe('exit codes - the printed line', () => {
  it('prints the message of our errors on one line, and name: message of anything else', () => {
    const ours = cliFailure(new CommandFailedError('no message\n  with that key'));
    expect(ours).toEqual({ exitCode: 1, line: 'no message with that key', expected: true });
    const bug = cliFailure(new TypeError('x is not a function'));
    expect(bug).toEqual({ exitCode: 1, line: 'TypeError: x is not a function', expected: false });
    expect(cliFailure(42)).toEqual({ exitCode: 1, line: '42', expected: false });
  });

  it('knows an error that crossed a thread by its code, not by its class', () => {
    const cloned = structuredClone(new ConfigError('deleteWhen', 'invalid value for deleteWhen'));
    expect(cloned).not.toBeInstanceOf(ConfigError);
    expect(cliFailure(Object.assign(cloned, { code: 'CONFIG_INVALID_VALUE' }))).toMatchObject({
      exitCode: 2,
      expected: true,
    });
    // Node's own codes are not ours.
    const nodeError = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(cliFailure(nodeError)).toMatchObject({ exitCode: 1, expected: false });
    const internal = Object.assign(new Error('bad arg'), { code: 'ERR_INVALID_ARG_TYPE' });
    expect(cliFailure(internal).expected).toBe(false);
  });

  it('adds a hint line where the line alone may not say what to do', () => {
    const lines: string[] = [];
    const stderr = { write: (text: string) => lines.push(text) };
    const failure = cliFailure(new AlreadyRunningError('a broker (pid 7) is already running'));
    expect(writeFailure(stderr, 'thrustmq broker: cannot start: ', failure)).toBe(1);
    expect(lines).toEqual([
      'thrustmq broker: cannot start: a broker (pid 7) is already running\n',
      expect.stringMatching(/^thrustmq broker: cannot start: hint: thrustmq shutdown stops it/),
    ]);
    lines.length = 0;
    expect(writeFailure(stderr, 'thrustmq broker: ', cliFailure(new UsageError('bad')))).toBe(2);
    expect(lines).toEqual(['thrustmq broker: bad\n']);
  });
});
