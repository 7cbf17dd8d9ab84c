/**
 * End to end with the real `cdc` CLI (from source, in a child process): values source -> kafka sink on the
 * real broker, read back with a real kafkajs consumer (read_committed).
 * 1. exact messages: debezium-json + json keys + tableId and custom headers + all-to-zero, and canal-json + csv
 *    keys + hash-by-key + the table-to-topic mapping, with a schema change in the middle.
 * 2. exactly-once: `cdc run` is killed with SIGKILL between checkpoints while it writes into Kafka
 *    transactions, then started again: a read_committed consumer (Kafka's Java console consumer, see
 *    helpers.ts) sees every change exactly once, in order per key.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcFromSource, CliRuns, runArgs, waitUntil } from '@cdc/testkit';
import { BOOTSTRAP, createTopic, deleteTopics, ensureKafka, readTopic, readTopicWithJava, withoutProcessingTime } from './helpers.js';

const DB = `cdc_kafka_vp_${Date.now().toString(36)}`;
const pluginDirs = [join(import.meta.dirname, '..'), join(import.meta.dirname, '..', '..', 'values')];
const started = new CliRuns(cdcFromSource(join(import.meta.dirname, '..', '..', '..')));

beforeAll(() => ensureKafka(), 600_000);
afterAll(async () => {
  started.killAll();
  await deleteTopics(DB).catch(() => undefined);
});

const EVENTS = `
    - {op: create, table: ${DB}.orders, schema: {columns: [{name: id, type: BIGINT NOT NULL}, {name: amount, type: "DECIMAL(38, 10)"}, {name: created, type: TIMESTAMP(6)}, {name: note, type: STRING}], primaryKeys: [id]}}
    - {op: insert, table: ${DB}.orders, after: {id: 9223372036854775807, amount: 12345678901234567890.1234567890, created: "2024-01-02 03:04:05.123456", note: first}, meta: {op_ts: "1700000000000"}}
    - {op: insert, table: ${DB}.orders, after: {id: 2, amount: "-0.0000000001", created: "2024-01-02T03:04:06", note: "second, with comma"}, meta: {op_ts: "1700000000001"}}
    - {op: add.column, table: ${DB}.orders, columns: [{name: status, type: STRING}]}
    - {op: update, table: ${DB}.orders, before: {id: 2, amount: "-0.0000000001", created: "2024-01-02T03:04:06", note: "second, with comma"}, after: {id: 2, amount: "1.5", created: "2024-01-02T03:04:06", note: "second, with comma", status: paid}, meta: {op_ts: "1700000000002"}}
    - {op: delete, table: ${DB}.orders, before: {id: 9223372036854775807, amount: 12345678901234567890.1234567890, created: "2024-01-02 03:04:05.123456", note: first}, meta: {op_ts: "1700000000003"}}
`;

function pipelineFile(dir: string, name: string, sink: string, source = `  type: values\n  events: |${EVENTS}`, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `source:\n${source}\nsink:\n  type: kafka\n  properties.bootstrap.servers: ${BOOTSTRAP}\n${sink}\npipeline:\n  name: ${name}\n${extra}`);
  return file;
}

async function runToEnd(file: string, dir: string): Promise<void> {
  const res = await started.start(runArgs(file, join(dir, 'state'), pluginDirs)).done;
  expect(res.code, res.stderr).toBe(0);
}

describe('cdc run: values -> kafka', () => {
  it('debezium-json / json keys / headers / all-to-zero and canal-json / csv keys / hash-by-key / mapping: exact messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-kafka-vp-'));
    const hashed = `${DB}.canal_orders`;
    await createTopic(hashed, 4);
    await Promise.all([
      runToEnd(pipelineFile(dir, 'dbz', `  value.format: debezium-json\n  key.format: json\n  sink.add-tableId-to-header-enabled: true\n  sink.custom-header: "origin:values;team:cdc"`), dir),
      runToEnd(
        pipelineFile(join(dir), 'canal', `  value.format: canal-json\n  key.format: csv\n  partition.strategy: hash-by-key\n  sink.tableId-to-topic.mapping: "${DB}.orders:${hashed}"\n  sink.delivery-guarantee: exactly-once\n  properties.transactional.id: ${DB}-canal`),
        mkdtempSync(join(tmpdir(), 'cdc-kafka-vp2-')),
      ),
    ]);

    const dbz = await readTopic(`${DB}.orders`);
    const src = `"source":{"db":"${DB}","table":"orders"`;
    const before1 = `{"id":9223372036854775807,"amount":12345678901234567890.1234567890,"created":"2024-01-02 03:04:05.123456","note":"first"}`;
    const row2 = `{"id":2,"amount":-1E-10,"created":"2024-01-02 03:04:06","note":"second, with comma"}`;
    expect(dbz.map((r) => [r.partition, r.key, withoutProcessingTime(r.value)])).toEqual([
      [0, `{"TableId":"${DB}.orders","id":9223372036854775807}`, `{"before":null,"after":${before1},"op":"c",${src},"ts_ms":1700000000000},"ts_ms":0}`],
      [0, `{"TableId":"${DB}.orders","id":2}`, `{"before":null,"after":${row2},"op":"c",${src},"ts_ms":1700000000001},"ts_ms":0}`],
      [
        0,
        `{"TableId":"${DB}.orders","id":2}`,
        `{"before":{"id":2,"amount":-1E-10,"created":"2024-01-02 03:04:06","note":"second, with comma","status":null},"after":{"id":2,"amount":1.5000000000,"created":"2024-01-02 03:04:06","note":"second, with comma","status":"paid"},"op":"u",${src},"ts_ms":1700000000002},"ts_ms":0}`,
      ],
      [0, `{"TableId":"${DB}.orders","id":9223372036854775807}`, `{"before":${before1.replace('}', ',"status":null}')},"after":null,"op":"d",${src},"ts_ms":1700000000003},"ts_ms":0}`],
    ]);
    for (const r of dbz) expect(r.headers).toEqual({ namespace: '', schemaName: DB, tableName: 'orders', origin: 'values', team: 'cdc' });

    const canal = await readTopic(hashed);
    // same key, same partition, in order; the partition of each key is Kafka's murmur2(key) % 4
    const byKey = new Map<string, number[]>();
    for (const r of canal) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r.partition]);
    expect([...byKey.keys()].sort()).toEqual([`"${DB}.orders",2`, `"${DB}.orders",9223372036854775807`].sort());
    for (const parts of byKey.values()) expect(new Set(parts).size).toBe(1);
    const meta = `"database":"${DB}","table":"orders","pkNames":["id"]`;
    const types4 = `"mysqlType":{"id":"bigint","amount":"decimal(38,10)","created":"datetime(6)","note":"longtext"},"sqlType":{"id":-5,"amount":3,"created":93,"note":-1}`;
    const types5 = `"mysqlType":{"id":"bigint","amount":"decimal(38,10)","created":"datetime(6)","note":"longtext","status":"longtext"},"sqlType":{"id":-5,"amount":3,"created":93,"note":-1,"status":-1}`;
    const values = canal.map((r) => withoutProcessingTime(r.value)).sort();
    expect(values).toEqual(
      [
        `{"old":null,"data":[${before1}],"type":"INSERT",${meta},"es":1700000000000,"ts":0,"isDdl":false,${types4}}`,
        `{"old":null,"data":[${row2}],"type":"INSERT",${meta},"es":1700000000001,"ts":0,"isDdl":false,${types4}}`,
        `{"old":[{"id":2,"amount":-1E-10,"created":"2024-01-02 03:04:06","note":"second, with comma","status":null}],"data":[{"id":2,"amount":1.5000000000,"created":"2024-01-02 03:04:06","note":"second, with comma","status":"paid"}],"type":"UPDATE",${meta},"es":1700000000002,"ts":0,"isDdl":false,${types5}}`,
        `{"old":null,"data":[${before1.replace('}', ',"status":null}')}],"type":"DELETE",${meta},"es":1700000000003,"ts":0,"isDdl":false,${types5}}`,
      ].sort(),
    );
    const order = canal.filter((r) => r.key === `"${DB}.orders",2`).map((r) => JSON.parse(r.value!).type);
    expect(order).toEqual(['INSERT', 'UPDATE']);
  }, 120_000);

  it('exactly-once: kill -9 of cdc run between checkpoints and a restart; a read_committed consumer sees each change once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-kafka-eos-'));
    const topic = `${DB}.eos`;
    await createTopic(topic, 3);
    const eventsFile = join(dir, 'events.jsonl');
    const lines = [JSON.stringify({ op: 'create', table: `${DB}.eos`, schema: { columns: [{ name: 'id', type: 'INT NOT NULL' }, { name: 'n', type: 'INT' }], primaryKeys: ['id'] } })];
    const KEYS = 50;
    const ROUNDS = 60;
    for (let n = 0; n < ROUNDS; n++) for (let id = 0; id < KEYS; id++) lines.push(JSON.stringify(n === 0 ? { op: 'insert', table: `${DB}.eos`, after: { id, n } } : { op: 'update', table: `${DB}.eos`, before: { id, n: n - 1 }, after: { id, n } }));
    writeFileSync(eventsFile, lines.join('\n') + '\n');
    const file = pipelineFile(
      dir,
      'eos',
      `  partition.strategy: hash-by-key\n  sink.delivery-guarantee: exactly-once\n  properties.transactional.id: ${DB}-eos\n  sink.tableId-to-topic.mapping: "${DB}.eos:${topic}"`,
      `  type: values\n  events.file: ${eventsFile}\n  batch.size: 10\n  source.delay.ms: 25ms`,
      '  parallelism: 2\n  execution.checkpointing.interval: 300ms\n',
    );
    const args = runArgs(file, join(dir, 'state'), pluginDirs);
    const checkpointFile = join(dir, 'state', 'eos', 'checkpoint.json');
    const checkpointId = () => (existsSync(checkpointFile) ? Number(/"checkpointId":(\d+)/.exec(readFileSync(checkpointFile, 'utf8'))?.[1] ?? 0) : 0);

    const run1 = started.start(args);
    await waitUntil('3 checkpoints before the kill', () => checkpointId() >= 3, { runs: [run1], intervalMs: 50 });
    await run1.kill9();
    const restoredFrom = checkpointId();

    const res = await started.start(args).done;
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(new RegExp(`resuming from checkpoint #${restoredFrom}`));

    // read_committed as Kafka's Java consumer reads it (see readTopicWithJava for why not kafkajs here)
    const records = await readTopicWithJava(topic, KEYS * ROUNDS);
    const seen = new Map<number, number[]>();
    for (const r of records) {
      const v = JSON.parse(r.value!) as { after: { id: number; n: number } };
      seen.set(v.after.id, [...(seen.get(v.after.id) ?? []), v.after.n]);
    }
    const change = (r: { value: string | null }) => {
      const a = (JSON.parse(r.value!) as { after: { id: number; n: number } }).after;
      return `${a.id}/${a.n}`;
    };
    const dups = records.filter((r, i) => records.findIndex((x) => change(x) === change(r)) !== i).map((r) => `${r.partition}@${r.offset}: ${change(r)}`);
    expect(dups, `records seen twice (partition@offset), restored from checkpoint #${restoredFrom}`).toEqual([]);
    expect(records).toHaveLength(KEYS * ROUNDS);
    for (let id = 0; id < KEYS; id++) expect(seen.get(id), `changes of key ${id}`).toEqual(Array.from({ length: ROUNDS }, (_, n) => n));
  }, 150_000);
});
