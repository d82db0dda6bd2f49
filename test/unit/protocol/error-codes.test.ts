/**
 * The error codes are an interface: scripts and the CLI's exit status match on them. Each is
 * unique, UPPER_SNAKE with its family's prefix, carried by a ThrustMQError, and the README's
 * table is the generator's output.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StoreError, StoreErrorCode } from '../../../native-free-store/index.ts';
import { ControlCallError } from '../../../src/broker/actor/control-deadlines.ts';
import { RingError, RingErrorCode } from '../../../src/ring/index.ts';
import {
  AlreadyRunningError,
  CommandFailedError,
  UsageError,
} from '../../../src/cli/cli-errors.ts';
import { ERROR_CODES, errorCodesMarkdown } from '../../../src/cli/error-codes-doc.ts';
import { ERROR_FAMILY_PREFIXES } from '../../../src/cli/exit-codes.ts';
import { LogLevelError } from '../../../src/cli/process-logger.ts';
import {
  ClientClosedError,
  InvalidArgumentError,
  MQClientError,
  TimeoutError,
} from '../../../src/client/core/errors.ts';
import { ConfigError } from '../../../src/common/config-schema.ts';
import { PropertiesError } from '../../../src/common/properties.ts';
import { SqlFilterError } from '../../../src/filter/sql92/index.ts';
import { NamesrvError, NamesrvErrorCode } from '../../../src/namesrv/errors.ts';
import { NamesrvConfigError } from '../../../src/namesrv/namesrv-config.ts';
import { ThrustMQError } from '../../../src/protocol/thrustmq-error.ts';
import { HeaderFieldError, RemotingError, RemotingErrorCode } from '../../../src/remoting/index.ts';
import { PropertiesErrorCode } from '../../../src/common/config-error-codes.ts';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
const BLOCK = /<!-- error-codes -->\n([\s\S]*?)<!-- \/error-codes -->/;

describe('error codes - the table', () => {
  it('lists every code once, UPPER_SNAKE with its family prefix, with a class and a meaning', () => {
    const codes = ERROR_CODES.map((entry) => entry.code);
    expect(new Set(codes).size, 'duplicate codes').toBe(codes.length);
    expect(codes.length).toBeGreaterThan(40);
    for (const entry of ERROR_CODES) {
      expect(entry.code, entry.code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
      const prefix = `${entry.family.toUpperCase()}_`;
      expect(entry.code.startsWith(prefix), `${entry.code} starts with ${prefix}`).toBe(true);
      expect(ERROR_FAMILY_PREFIXES, entry.code).toContain(prefix);
      expect(entry.className, entry.code).toMatch(/^[A-Z][A-Za-z]+Error$/);
      expect(entry.meaning.length, entry.code).toBeGreaterThan(10);
      expect(entry.meaning, entry.code).not.toContain('\n');
    }
  });

  it('documents the codes the errors carry, and every family prefix has codes', () => {
    const documented = new Map(ERROR_CODES.map((entry) => [entry.code, entry.className]));
    const samples: ThrustMQError[] = [
      new StoreError(StoreErrorCode.DISK_FULL, 'disk full'),
      new RingError(RingErrorCode.CORRUPT, 'corrupt'),
      new ControlCallError('CONTROL_TIMEOUT', 0, 'flush', 'late'),
      new RemotingError(RemotingErrorCode.TIMEOUT, 'late'),
      new HeaderFieldError('queueId', 'the custom field queueId is null'),
      new NamesrvError(NamesrvErrorCode.BAD_BODY, 'bad'),
      new ConfigError('listenPort', 'invalid value for listenPort'),
      new NamesrvConfigError('listenPort', 'bad'),
      new PropertiesError(PropertiesErrorCode.UNREADABLE, 'cannot read'),
      new SqlFilterError('unexpected end', 3),
      new TimeoutError('late'),
      new InvalidArgumentError('bad'),
      new ClientClosedError('producer'),
      new UsageError('bad'),
      new LogLevelError('bad level'),
      new AlreadyRunningError('running'),
      new CommandFailedError('nothing found'),
    ];
    for (const error of samples) {
      expect(error, error.name).toBeInstanceOf(ThrustMQError);
      expect(error, error.name).toBeInstanceOf(Error);
      expect(documented.get(error.code), `${error.name} ${error.code}`).toBe(error.name);
    }
    for (const prefix of ERROR_FAMILY_PREFIXES)
      expect(
        ERROR_CODES.some((entry) => entry.code.startsWith(prefix)),
        prefix,
      ).toBe(true);
  });

  it('keeps class names, subclass instanceof and causes', () => {
    const cause = new Error('EIO');
    const store = new StoreError(StoreErrorCode.IO_ERROR, 'read failed', { cause });
    expect(store.name).toBe('StoreError');
    expect(store.cause).toBe(cause);
    expect('cause' in new RingError(RingErrorCode.CORRUPT, 'x')).toBe(false);
    const header = new HeaderFieldError('queueId', 'the custom field queueId is null');
    expect(header).toBeInstanceOf(RemotingError);
    expect(header.name).toBe('HeaderFieldError');
    expect(header.code).toBe('REMOTING_HEADER_FIELD');
    expect(new TimeoutError('late')).toBeInstanceOf(MQClientError);
    expect(new LogLevelError('bad')).toBeInstanceOf(UsageError);
    expect(new LogLevelError('bad').name).toBe('LogLevelError');
    expect(new SqlFilterError('x', undefined).message).toBe('SQL92 filter: x');
  });
});

/** Rows of trimmed cells; a separator row's cells become ---, however many dashes prettier wrote. */
function normalizedTable(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) =>
      line
        .replace(/^\|/, '')
        .replace(/(?<!\\)\|$/, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
        .map((cell) => (/^:?-+:?$/.test(cell) ? '---' : cell)),
    );
}

describe('error codes - README', () => {
  it('has the generated table between the error-codes markers', (context) => {
    const readme = readFileSync(README, 'utf8');
    const block = BLOCK.exec(readme);
    if (block === null) {
      context.skip(
        'README.md has no <!-- error-codes --> ... <!-- /error-codes --> block yet: paste the output of npm run docs:errors between those markers',
      );
      return;
    }
    expect(normalizedTable(block[1]!)).toEqual(normalizedTable(errorCodesMarkdown()));
  });

  it('compares tables as prettier leaves them: padding and dash counts aside', () => {
    const generated = '| code | meaning |\n| --- | --- |\n| `A_B` | a \\| b |\n';
    const padded = '| code  | meaning |\n| ----- | ------- |\n| `A_B` | a \\| b  |\n';
    expect(normalizedTable(padded)).toEqual(normalizedTable(generated));
    expect(normalizedTable(padded.replace('A_B', 'A_C'))).not.toEqual(normalizedTable(generated));
  });
});
