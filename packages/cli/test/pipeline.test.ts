/** The runtime with the values connector, in-process: behaviours, failures, state. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableId } from '@cdc/core';
import { factories, ValuesDatabase } from '@cdc/connector-values';
import { memoryLogger, parsePipelineYaml, pipelineStateDir, preparePipeline, runPipeline, staticResolver } from '@cdc/runtime';

let n = 0;
async function run(events: string, opts: { sink?: string; pipeline?: string; stateDir?: string } = {}) {
  const sinkId = `pipeline-test-${++n}`;
  const yaml = `
source:
  type: values
  events: |
${events
  .trim()
  .split('\n')
  .map((l) => `    ${l.trim()}`)
  .join('\n')}
sink:
  type: values
  sink.id: ${sinkId}
${(opts.sink ?? '').replace(/^/gm, '  ')}
pipeline:
  execution.checkpointing.interval: 1h
${(opts.pipeline ?? '').replace(/^/gm, '  ')}
`;
  const logger = memoryLogger();
  const prepared = await preparePipeline(parsePipelineYaml(yaml, 'test.yaml'), staticResolver(factories), logger);
  const result = await runPipeline(prepared, { logger, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
  return { result, logger, db: ValuesDatabase.instance(sinkId) };
}

const CREATE = `- { op: create, table: db.t, schema: { columns: [ { name: id, type: INT NOT NULL }, { name: v, type: STRING } ], primaryKeys: [ id ] } }`;
const t = tableId('db', 't');

describe('schema change behaviours end to end', () => {
  const events = `
${CREATE}
- { op: insert, table: db.t, after: { id: 1, v: a } }
- { op: alter.column.type, table: db.t, types: { id: BIGINT NOT NULL } }
- { op: insert, table: db.t, after: { id: "2", v: b } }
`;
  it('evolve: a sink that refuses a change fails the pipeline with a clear error', async () => {
    await expect(run(events, { sink: 'sink.failure.at: apply:alter.column.type', pipeline: 'schema.change.behavior: evolve' })).rejects.toThrow(/alter.column.type on db.t/);
  });
  it('try_evolve: the refused change is skipped, rows are cast to the old type', async () => {
    const { db, logger } = await run(events, { sink: 'sink.failure.at: apply:alter.column.type', pipeline: 'schema.change.behavior: try_evolve' });
    expect(db.schema(t)!.columns[0].type.type).toBe('INT');
    expect(db.rows(t)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(logger.lines.some((l) => l.level === 'warn' && /continuing with the old schema \(try_evolve\)/.test(l.message))).toBe(true);
  });
  it('evolve: the sink gets the new type', async () => {
    const { db } = await run(events, { pipeline: 'schema.change.behavior: evolve' });
    expect(db.schema(t)!.columns[0].type.type).toBe('BIGINT');
    expect(db.rows(t)).toEqual([
      [1n, 'a'],
      [2n, 'b'],
    ]);
  });
  it('exception: the schema change fails the pipeline', async () => {
    await expect(run(events, { pipeline: 'schema.change.behavior: exception' })).rejects.toThrow(/schema change alter.column.type on db.t is not allowed/);
  });
  it('ignore: the sink keeps its schema', async () => {
    const { db } = await run(events + '- { op: add.column, table: db.t, columns: [ { name: x, type: INT } ] }\n- { op: insert, table: db.t, after: { id: "3", v: c, x: 9 } }', {
      pipeline: 'schema.change.behavior: ignore',
    });
    expect(db.schema(t)!.columns.map((c) => c.name)).toEqual(['id', 'v']);
    expect(db.rows(t)).toHaveLength(3);
  });
  it('exclude.schema.changes keeps a change type away from the sink', async () => {
    const { db } = await run(`${CREATE}\n- { op: drop.column, table: db.t, columns: [ v ] }\n- { op: insert, table: db.t, after: { id: 1 } }`, {
      sink: 'exclude.schema.changes: [drop, alter]',
      pipeline: 'schema.change.behavior: evolve',
    });
    expect(db.schema(t)!.columns.map((c) => c.name)).toEqual(['id', 'v']);
    expect(db.rows(t)).toEqual([[1, null]]);
  });
  it('truncate and drop table reach the sink under evolve', async () => {
    const { db } = await run(`${CREATE}\n- { op: insert, table: db.t, after: { id: 1, v: a } }\n- { op: truncate.table, table: db.t }\n- { op: insert, table: db.t, after: { id: 2, v: b } }`, {
      pipeline: 'schema.change.behavior: evolve',
    });
    expect(db.rows(t)).toEqual([[2, 'b']]);
  });
});

describe('failures', () => {
  it('a sink write failure fails the run with its message', async () => {
    await expect(run(`${CREATE}\n- { op: insert, table: db.t, after: { id: 1, v: a } }`, { sink: 'sink.failure.at: write:1' })).rejects.toThrow(/write/);
  });
  it('a source failure fails the run', async () => {
    const yaml = `source:\n  type: values\n  source.failure.after: 2\nsink:\n  type: values\n`;
    const prepared = await preparePipeline(parsePipelineYaml(yaml), staticResolver(factories));
    await expect(runPipeline(prepared, { logger: memoryLogger() })).rejects.toMatchObject({ code: 'SOURCE' });
  });
  it('a corrupted checkpoint file is a clear StateError', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cdc-state-'));
    const dir = pipelineStateDir(base, 'cdc pipeline');
    await run(`${CREATE}`, { stateDir: dir });
    writeFileSync(join(dir, 'checkpoint.json'), '{"format":1,');
    await expect(run(`${CREATE}`, { stateDir: dir })).rejects.toMatchObject({ code: 'STATE', message: expect.stringMatching(/checkpoint file .* is corrupted/) });
  });
  it('parallel writers keep the order of changes per key', async () => {
    const lines = [CREATE];
    for (let i = 0; i < 400; i++) lines.push(`- { op: insert, table: db.t, after: { id: ${i % 40}, v: "${i}" } }`);
    const { db } = await run(lines.join('\n'), { pipeline: 'parallelism: 4' });
    const rows = db.rows(t);
    expect(rows).toHaveLength(40);
    for (const [id, v] of rows) expect(v).toBe(String(360 + Number(id)));
  });
});

describe('user-defined functions from the pipeline file', () => {
  it('a JS module named in pipeline.user-defined-function is usable in a projection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-udf-'));
    writeFileSync(join(dir, 'addone.mjs'), 'export default { returnType: "BIGINT", eval: (x) => (x === null ? null : BigInt(x) + 1n) };\n');
    const sinkId = `pipeline-test-udf-${++n}`;
    const yaml = `
source:
  type: values
  events: |
    ${CREATE}
    - { op: insert, table: db.t, after: { id: 41, v: a } }
sink:
  type: values
  sink.id: ${sinkId}
transform:
  - source-table: db.t
    projection: id, addone(id) AS next
pipeline:
  user-defined-function:
    - name: addone
      classpath: ./addone.mjs
`;
    const prepared = await preparePipeline(parsePipelineYaml(yaml, join(dir, 'p.yaml')), staticResolver(factories));
    await runPipeline(prepared, { logger: memoryLogger() });
    expect(ValuesDatabase.instance(sinkId).rows(t)).toEqual([[41, 42n]]);
  });
  it('a missing UDF module is a ConfigError naming the file line', async () => {
    const yaml = `source:\n  type: values\nsink:\n  type: values\npipeline:\n  user-defined-function:\n    - name: nope\n      classpath: ./does-not-exist.mjs\n`;
    await expect(preparePipeline(parsePipelineYaml(yaml, '/tmp/p.yaml'), staticResolver(factories))).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/\/tmp\/p\.yaml:7: .*nope/),
    });
  });
});
