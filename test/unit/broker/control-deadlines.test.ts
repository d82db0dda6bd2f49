import { describe, expect, it } from 'vitest';
import {
  ControlCallError,
  ControlCallErrorCode,
  Lifeline,
} from '../../../src/broker/actor/control-deadlines.ts';
import { errorFromFields, errorToFields } from '../../../src/broker/actor/thread-errors.ts';
import { StoreError, StoreErrorCode } from '../../../native-free-store/index.ts';

const never = (): Promise<never> => new Promise(() => {});

describe('control deadlines - Lifeline', () => {
  it('passes answers and errors through, and rejects a call that outlives its deadline', async () => {
    const lifeline = new Lifeline(3);
    expect(await lifeline.call('echo', 1000, () => Promise.resolve(42))).toBe(42);
    await expect(
      lifeline.call('fail', 1000, () => Promise.reject(new Error('no'))),
    ).rejects.toThrow('no');
    await expect(
      lifeline.call('sync', 1000, () => {
        throw new Error('thrown at once');
      }),
    ).rejects.toThrow('thrown at once');
    const started = Date.now();
    const error = (await lifeline
      .call('slow', 50, never)
      .catch((e: unknown) => e)) as ControlCallError;
    expect(error).toBeInstanceOf(ControlCallError);
    expect(error).toMatchObject({ code: ControlCallErrorCode.TIMEOUT, method: 'slow', actor: 3 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(lifeline.callsInFlight).toBe(0);
  });

  it('rejects calls in flight when the thread ends, and later calls at once', async () => {
    const lifeline = new Lifeline(0);
    const calls = [lifeline.call('a', 60_000, never), lifeline.call('b', 60_000, never)];
    expect(lifeline.callsInFlight).toBe(2);
    lifeline.end(new Error('its thread exited with code 1'));
    lifeline.end(new Error('a second reason is ignored'));
    for (const call of calls) {
      await expect(call).rejects.toMatchObject({
        code: ControlCallErrorCode.ACTOR_GONE,
        message: expect.stringMatching(/^queue actor 0 is gone \(its thread exited with code 1\)/),
      });
    }
    await expect(lifeline.call('c', 60_000, () => Promise.resolve(1))).rejects.toMatchObject({
      code: ControlCallErrorCode.ACTOR_GONE,
      method: 'c',
    });
    expect(lifeline.callsInFlight).toBe(0);
  });

  it('drops an answer that arrives after the deadline', async () => {
    const lifeline = new Lifeline(1);
    let answer: (value: number) => void = () => {};
    const late = lifeline.call('late', 20, () => new Promise<number>((r) => (answer = r)));
    await expect(late).rejects.toMatchObject({ code: ControlCallErrorCode.TIMEOUT });
    answer(7);
    expect(lifeline.callsInFlight).toBe(0);
  });
});

describe('thread errors - fields that cross', () => {
  it("keeps a StoreError's code, option and existing value, and nothing that cannot clone", () => {
    const error = new StoreError(StoreErrorCode.LAYOUT_MISMATCH, 'segments differ', {
      option: 'segmentSizeBytes',
      existing: 8388608,
    });
    const fields = errorToFields(error)!;
    expect(structuredClone(fields)).toEqual(fields);
    const rebuilt = errorFromFields(structuredClone(fields));
    expect(rebuilt).toBeInstanceOf(Error);
    expect(rebuilt).toMatchObject({
      name: 'StoreError',
      message: 'segments differ',
      code: 'STORE_LAYOUT_MISMATCH',
      option: 'segmentSizeBytes',
      existing: 8388608,
    });
    expect(errorToFields('not an error')).toBeUndefined();
  });
});
