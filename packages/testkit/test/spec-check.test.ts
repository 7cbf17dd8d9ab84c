import { describe, expect, it } from 'vitest';
import type { SinkFactory } from '@cdc/core';
import { checkFactorySpec } from '../src/index.js';

const base: SinkFactory = {
  identifier: 'demo',
  kind: 'sink',
  options: [
    { key: 'hostname', type: 'string', required: true, description: 'Server host' },
    { key: 'port', type: 'int', default: 9030, description: 'Port' },
    { key: 'mode', type: 'enum', values: ['a', 'b'], default: 'a', description: 'Mode' },
  ],
  passThroughPrefixes: [{ prefix: 'properties.', description: 'Passed to the driver' }],
  create: () => {
    throw new Error('not used');
  },
};

describe('checkFactorySpec', () => {
  it('accepts a sane declaration', () => {
    expect(checkFactorySpec(base)).toEqual([]);
  });

  it('reports each problem in one sentence', () => {
    const bad = {
      ...base,
      identifier: 'Demo_Sink',
      options: [
        { key: 'hostname', type: 'string', required: true, default: 'x', description: 'Server host' },
        { key: 'hostname', type: 'string', description: 'again' },
        { key: 'Port', type: 'int', default: 'many', description: '' },
        { key: 'mode', type: 'enum', values: ['a', 'A'], default: 'c', description: 'Mode', deprecatedKeys: ['hostname', 'mode'] },
        { key: 'pw', type: 'password', default: 'secret', description: 'Password' },
        { key: 'size', type: 'memory', values: ['x'], description: 'Size' },
        { key: 'properties.x', type: 'string', description: 'shadowed' },
      ],
      passThroughPrefixes: [{ prefix: 'properties', description: '' }],
    } as unknown as SinkFactory;
    expect(checkFactorySpec(bad)).toEqual([
      'identifier "Demo_Sink" must be lower-case letters, digits and dashes, starting with a letter',
      'option "hostname": is required and has a default; a default makes it optional',
      '"hostname" is declared twice (option "hostname" and option "hostname")',
      'option "Port": key should be lower-case words separated by dots, dashes or underscores',
      'option "Port": has no description (the docs and error hints print it)',
      'option "Port": default "many" is not a valid int',
      'option "mode": enum value "a" is listed twice (values match case-insensitively)',
      'option "mode": default "c" is not a valid enum (values: a, A)',
      '"hostname" is declared twice (option "hostname" and deprecated key of option "mode")',
      'option "mode": lists its own key as deprecated',
      'option "pw": a secret should have no default',
      'option "size": lists values but is not an enum',
      'pass-through prefix "properties" should end with "."',
      'pass-through prefix "properties" has no description',
      '"properties.x" starts with pass-through prefix "properties": it could never be set through the prefix, or the other way round',
    ]);
  });

  it('reports a missing create and a wrong kind', () => {
    const bad = { identifier: 'x', kind: 'both', options: [] } as unknown as SinkFactory;
    expect(checkFactorySpec(bad)).toEqual(['kind "both" must be "source" or "sink"', 'create is not a function']);
  });
});
