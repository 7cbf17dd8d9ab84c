import { describe, expect, it } from 'vitest';
import { isCdcError, parseDuration, parseMemory, validateOptions, type OptionSpec } from '../src/index.js';

const specs: OptionSpec[] = [
  { key: 'hostname', type: 'string', required: true, description: 'server host' },
  { key: 'port', type: 'int', default: 3306, description: 'server port' },
  { key: 'password', type: 'password', description: 'password' },
  { key: 'scan.startup.mode', type: 'enum', values: ['initial', 'latest-offset'], default: 'initial', description: 'startup' },
  { key: 'heartbeat.interval', type: 'duration', default: 30000, description: 'heartbeat', deprecatedKeys: ['heartbeat.ms'] },
  { key: 'sink.buffer-flush.max-bytes', type: 'memory', description: 'buffer' },
  { key: 'tables.exclude', type: 'list', description: 'excluded tables' },
  { key: 'sink.custom-header', type: 'map', description: 'headers' },
  { key: 'enabled', type: 'boolean', default: false, description: 'flag' },
];
const prefixes = [{ prefix: 'jdbc.properties.', description: 'JDBC properties' }];

const validate = (raw: Record<string, unknown>) => validateOptions({ owner: 'mysql', section: 'source', specs, prefixes, ignoreKeys: ['type', 'name'], raw });

describe('validateOptions', () => {
  it('parses every type and applies defaults', () => {
    const { options, warnings } = validate({
      type: 'mysql',
      hostname: 'localhost',
      port: '3307',
      'scan.startup.mode': 'LATEST-OFFSET',
      'heartbeat.interval': '5 s',
      'sink.buffer-flush.max-bytes': '10mb',
      'tables.exclude': 'a.b, c.d',
      'sink.custom-header': 'k1:v1,k2:v2',
      enabled: 'true',
      'jdbc.properties.useSSL': false,
    });
    expect(warnings).toEqual([]);
    expect(options.number('port')).toBe(3307);
    expect(options.string('scan.startup.mode')).toBe('latest-offset');
    expect(options.number('heartbeat.interval')).toBe(5000);
    expect(options.number('sink.buffer-flush.max-bytes')).toBe(10 * 1024 * 1024);
    expect(options.list('tables.exclude')).toEqual(['a.b', 'c.d']);
    expect(options.map('sink.custom-header')).toEqual({ k1: 'v1', k2: 'v2' });
    expect(options.boolean('enabled')).toBe(true);
    expect(options.prefixed('jdbc.properties.')).toEqual({ useSSL: 'false' });
  });
  it('defaults', () => {
    const { options } = validate({ hostname: 'h' });
    expect(options.number('port')).toBe(3306);
    expect(options.number('heartbeat.interval')).toBe(30000);
    expect(options.has('password')).toBe(false);
  });
  it('one error names every bad key and lists the supported keys', () => {
    let err: unknown;
    try {
      validate({ hostnam: 'x', port: 'abc', 'scan.startup.mode': 'sometimes' });
    } catch (e) {
      err = e;
    }
    expect(isCdcError(err)).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain('unknown option "hostnam" (did you mean "hostname"?)');
    expect(msg).toContain('option "port" has value "abc", expected an integer');
    expect(msg).toContain('option "scan.startup.mode" has value "sometimes", expected one of initial, latest-offset');
    expect(msg).toContain('required option "hostname" is missing');
    expect(msg).toContain('supported options: hostname, port, password, scan.startup.mode');
    expect(msg).toContain('jdbc.properties.*');
    expect((err as { code: string }).code).toBe('CONFIG');
  });
  it('deprecated keys are mapped with a warning', () => {
    const { options, warnings } = validate({ hostname: 'h', 'heartbeat.ms': 100 });
    expect(options.number('heartbeat.interval')).toBe(100);
    expect(warnings[0]).toMatch(/"heartbeat.ms" is deprecated, use "heartbeat.interval"/);
  });
  it('a key given twice (old and new name) is an error', () => {
    expect(() => validate({ hostname: 'h', 'heartbeat.ms': 100, 'heartbeat.interval': 5 })).toThrow(/set twice/);
  });
  it('secrets never appear in errors', () => {
    try {
      validate({ hostname: 'h', password: 'hunter2-secret', port: 'x' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2-secret');
      return;
    }
    throw new Error('expected a failure');
  });
  it('durations and sizes', () => {
    expect(parseDuration('1min')).toBe(60000);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('2 h')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseMemory('512kb')).toBe(524288);
    expect(parseMemory('1 gb')).toBe(1024 ** 3);
  });
});
