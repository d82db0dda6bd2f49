import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProperties, parseProperties } from '../../../src/common/properties.ts';

describe('properties - parsing RocketMQ config files', () => {
  it('reads the forms broker.properties files use', () => {
    const text = [
      '# comment',
      '! also a comment',
      'brokerClusterName = DefaultCluster',
      'brokerName=broker-a',
      'brokerId:0',
      '  deleteWhen 04',
      'namesrvAddr=127.0.0.1:9876;\\',
      '    127.0.0.2:9876',
      'storePathRootDir=C\\:\\\\data',
      'empty=',
      'unicode=\\u0041b',
    ].join('\n');
    expect(Object.fromEntries(parseProperties(text))).toEqual({
      brokerClusterName: 'DefaultCluster',
      brokerName: 'broker-a',
      brokerId: '0',
      deleteWhen: '04',
      namesrvAddr: '127.0.0.1:9876;127.0.0.2:9876',
      storePathRootDir: 'C:\\data',
      empty: '',
      unicode: 'Ab',
    });
  });

  it('reads back what it writes for any keys and values', () => {
    const key = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.dictionary(key, fc.string({ maxLength: 20 })), (entries) => {
        const map = new Map(Object.entries(entries));
        expect(parseProperties(formatProperties(map))).toEqual(map);
      }),
    );
  });
});
