import { describe, expect, it } from 'vitest';
import { createRequest } from '../../../src/remoting/command.ts';
import { HeaderFieldError, RemotingError } from '../../../src/remoting/errors.ts';
import {
  optionalBool,
  optionalInt,
  optionalLong,
  optionalString,
  requireInt,
  requireLong,
  requireString,
} from '../../../src/remoting/ext-fields.ts';

const request = createRequest(11, {
  topic: 'T',
  queueId: '3',
  negative: '-2147483648',
  wide: '2147483648',
  offset: '9007199254740991',
  tooWide: '9007199254740992',
  decimal: '1.0',
  spaced: ' 1',
  empty: '',
  yes: 'TRUE',
  no: 'yes',
});

function failure(action: () => unknown): HeaderFieldError {
  try {
    action();
  } catch (error) {
    if (error instanceof HeaderFieldError) return error;
  }
  throw new Error('expected a HeaderFieldError');
}

describe('remoting ext fields - typed reads', () => {
  it('reads strings, ints and longs', () => {
    expect(requireString(request, 'topic')).toBe('T');
    expect(requireInt(request, 'queueId')).toBe(3);
    expect(requireInt(request, 'negative')).toBe(-2147483648);
    expect(requireLong(request, 'wide')).toBe(2147483648);
    expect(requireLong(request, 'offset')).toBe(9007199254740991);
    expect(optionalString(request, 'empty')).toBe('');
  });

  it('names a missing field as Java does', () => {
    const error = failure(() => requireString(request, 'consumerGroup'));
    expect(error).toBeInstanceOf(RemotingError);
    expect(error.code).toBe('REMOTING_HEADER_FIELD');
    expect(error.name).toBe('HeaderFieldError');
    expect(error.message).toBe('the custom field consumerGroup is null');
    expect(failure(() => requireInt(createRequest(11), 'queueId')).message).toBe(
      'the custom field queueId is null',
    );
    expect(failure(() => requireString(request, 'constructor')).message).toBe(
      'the custom field constructor is null',
    );
  });

  it('refuses values Java would not parse', () => {
    expect(failure(() => requireInt(request, 'wide')).message).toBe(
      'the custom field wide is not a valid int: 2147483648',
    );
    expect(failure(() => requireInt(request, 'decimal')).message).toBe(
      'the custom field decimal is not a valid int: 1.0',
    );
    expect(failure(() => requireInt(request, 'spaced')).message).toMatch(/not a valid int/);
    expect(failure(() => requireInt(request, 'empty')).message).toMatch(/not a valid int: $/);
    expect(failure(() => requireLong(request, 'tooWide')).message).toBe(
      'the custom field tooWide is not a valid long: 9007199254740992',
    );
    expect(failure(() => optionalLong(request, 'topic')).message).toMatch(/not a valid long: T/);
  });

  it('gives undefined or the fallback for absent optional fields', () => {
    expect(optionalString(request, 'absent')).toBeUndefined();
    expect(optionalInt(request, 'absent')).toBeUndefined();
    expect(optionalLong(request, 'absent')).toBeUndefined();
    expect(optionalInt(request, 'queueId')).toBe(3);
    expect(optionalBool(request, 'absent', true)).toBe(true);
    expect(optionalBool(request, 'yes', false)).toBe(true);
    expect(optionalBool(request, 'no', true)).toBe(false);
  });
});
