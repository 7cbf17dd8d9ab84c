import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { column, DataTypes as T, Events, formatType, schema, tableId, type DataChangeEvent, type Schema } from '@cdc/core';
import { closeUdfs, compileTransforms, defineUdf, loadUdfs } from '../../src/transform/index.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cdc-udf-'));
  writeFileSync(join(dir, 'addone.mjs'), 'export default function addone(x) { return x === null ? null : x + 1n; }\naddone.returnType = "BIGINT";\n');
  writeFileSync(
    join(dir, 'format.mjs'),
    [
      'let prefix = "?";',
      'export const calls = [];',
      'export default {',
      '  returnType: "STRING",',
      '  open(options) { prefix = options.prefix ?? "id"; },',
      '  eval(id, pattern) { return pattern.replace("%d", prefix + String(id)); },',
      '  close() { calls.push("closed"); },',
      '};',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'classy.mjs'), 'export class Doubler { eval(x) { return x * 2; } }\nexport const notAFunction = 42;\n');
  writeFileSync(join(dir, 'nothing.mjs'), 'export const answer = 42;\n');
  writeFileSync(join(dir, 'bad-type.mjs'), 'export default { eval: () => 1, returnType: "WIDGET" };\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T1 = tableId('db', 't');
const S1 = schema({ columns: [column('id', T.BIGINT(false)), column('name', T.STRING())], primaryKeys: ['id'] });

describe('user-defined functions', () => {
  it('loads modules (default function, object with open/close, class via #export) and calls them in projection and filter', async () => {
    const udfs = await loadUdfs(
      [
        { name: 'addone', classpath: './addone.mjs' },
        { name: 'format', classpath: join(dir, 'format.mjs'), options: { prefix: '#' } },
        { name: 'twice', classpath: './classy.mjs#Doubler' },
      ],
      dir,
    );
    expect(udfs.map((u) => `${u.name}: ${formatType(u.returnType)}`)).toEqual(['addone: BIGINT', 'format: STRING', 'twice: STRING']);
    const op = compileTransforms([{ sourceTable: 'db.t', projection: "*, ADDONE(addone(id)) AS inc, format(id, 'id -> %d') AS f, twice(3) AS t", filter: 'addone(id) < 100' }], { udfs, timeZone: 'UTC' });
    const created = op.process(Events.createTable(T1, S1))[0] as { schema: Schema };
    expect(created.schema.columns.map((c) => `${c.name} ${formatType(c.type)}`)).toEqual(['id BIGINT NOT NULL', 'name STRING', 'inc BIGINT', 'f STRING', 't STRING']);
    const out = [...op.process(Events.insert(T1, [5n, 'x'])), ...op.process(Events.insert(T1, [500n, 'y']))] as DataChangeEvent[];
    expect(out.map((e) => e.after)).toEqual([[5n, 'x', 7n, 'id -> #5', '6']]);
    await closeUdfs(udfs);
    const mod = (await import(join(dir, 'format.mjs'))) as { calls: string[] };
    expect(mod.calls).toEqual(['closed']);
  });

  it('a UDF takes precedence over a built-in of the same name, and its errors name it', () => {
    const upper = defineUdf('upper', (s: unknown) => `<${String(s)}>`);
    const boom = defineUdf('boom', () => {
      throw new Error('kaput');
    });
    const op = compileTransforms([{ sourceTable: 'db.t', projection: 'id, UPPER(name) AS u, boom() AS b' }], { udfs: [upper, boom], timeZone: 'UTC' });
    op.process(Events.createTable(T1, S1));
    expect(() => op.process(Events.insert(T1, [1n, 'a']))).toThrow(/column b = boom\(\) AS b: user-defined function boom failed: kaput/);
    const op2 = compileTransforms([{ sourceTable: 'db.t', projection: 'id, UPPER(name) AS u' }], { udfs: [upper], timeZone: 'UTC' });
    op2.process(Events.createTable(T1, S1));
    expect((op2.process(Events.insert(T1, [1n, 'a']))[0] as DataChangeEvent).after).toEqual([1n, '<a>']);
  });

  it('results are converted to the declared return type', () => {
    const f = defineUdf('f', () => 42, 'DECIMAL(5, 2)');
    expect(f.call([])).toBe('42.00');
    expect(defineUdf('g', () => 7, 'BIGINT').call([])).toBe(7n);
    expect(defineUdf('h', () => new Date(Date.UTC(2024, 0, 1)), 'TIMESTAMP_LTZ(3)').call([])).toBe('2024-01-01T00:00:00.000Z');
    expect(defineUdf('k', () => undefined).call([])).toBeNull();
    expect(() => defineUdf('p', async () => 1).call([])).toThrow(/returned a Promise — transform UDFs must be synchronous/);
  });

  it('clear ConfigErrors for a missing file, nothing callable, a bad return type, an unknown package', async () => {
    await expect(loadUdfs([{ name: 'x', classpath: './missing.mjs' }], dir)).rejects.toThrow(/user-defined function x: module file .*missing\.mjs does not exist/);
    await expect(loadUdfs([{ name: 'x', classpath: './nothing.mjs' }], dir)).rejects.toThrow(/user-defined function x: \.\/nothing\.mjs exports nothing callable — export default a function/);
    await expect(loadUdfs([{ name: 'x', classpath: './classy.mjs#notAFunction' }], dir)).rejects.toThrow(/exports nothing callable/);
    await expect(loadUdfs([{ name: 'x', classpath: './bad-type.mjs' }], dir)).rejects.toThrow(/user-defined function x: invalid returnType "WIDGET"/);
    await expect(loadUdfs([{ name: 'x', classpath: 'no-such-package-xyz' }], dir)).rejects.toThrow(/cannot find module "no-such-package-xyz"/);
    await expect(loadUdfs([{ name: 'x', classpath: './addone.mjs' }, { name: 'X', classpath: './addone.mjs' }], dir)).rejects.toThrow(/defined twice/);
    await expect(loadUdfs([{ name: 'bad name', classpath: './addone.mjs' }], dir)).rejects.toThrow(/not a valid function name/);
  });
});
