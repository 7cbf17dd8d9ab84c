/**
 * End to end with the real `cdc` CLI: MariaDB (binlog) -> kafka on the real broker, two pipelines on the same
 * table at once — debezium-json + json keys + headers (at-least-once), and canal-json + csv keys + hash-by-key
 * into a 3-partition topic (exactly-once) — through a snapshot, live inserts, updates, deletes and an
 * ALTER TABLE, read back with a real kafkajs consumer and compared message for message.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureService, mariadbConfig } from '@cdc/services';
import { cdcFromSource, CliRuns, runArgs, waitForValue, writePipeline, type CliRun, type PipelineSection } from '@cdc/testkit';
import { BOOTSTRAP, createTopic, deleteTopics, ensureKafka, readTopic, type ReadRecord } from './helpers.js';

const DB = `cdc_kafka_my_${Date.now().toString(36)}`;
const pluginDirs = [join(import.meta.dirname, '..'), join(import.meta.dirname, '..', '..', 'mysql')];
const started = new CliRuns(cdcFromSource(join(import.meta.dirname, '..', '..', '..')));
let conn: mysql.Connection;

beforeAll(async () => {
  await Promise.all([ensureKafka(), ensureService('mariadb')]);
  const c = mariadbConfig();
  conn = await mysql.createConnection({ host: c.host, port: c.port, user: c.user, password: c.password, multipleStatements: true });
  await conn.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4;
    CREATE TABLE ${DB}.orders (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, big BIGINT, amount DECIMAL(30,10), at DATETIME(6), note VARCHAR(50)) CHARACTER SET utf8mb4;
    INSERT INTO ${DB}.orders VALUES (1, 9223372036854775807, '12345678901234567890.0123456789', '2024-02-29 23:59:59.999999', 'one 😀'), (2, -9223372036854775808, '-0.0000000001', '1970-01-01 00:00:00.000001', NULL)`);
}, 600_000);

afterAll(async () => {
  started.killAll();
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
  await conn?.end();
  await deleteTopics(DB).catch(() => undefined);
});

function pipeline(dir: string, name: string, serverId: string, sink: PipelineSection): string {
  const c = mariadbConfig();
  return writePipeline(join(dir, `${name}.yaml`), {
    source: { type: 'mysql', hostname: c.host, port: c.port, username: c.user, password: c.password, tables: `${DB}.orders`, 'server-id': serverId },
    sink: { type: 'kafka', 'properties.bootstrap.servers': BOOTSTRAP, ...sink },
    pipeline: { name, parallelism: 1, 'schema.change.behavior': 'evolve', 'execution.checkpointing.interval': '300ms' },
  });
}

const waitRecords = (topic: string, count: number, runs: CliRun[]): Promise<ReadRecord[]> =>
  waitForValue(`${count} records in ${topic}`, () => readTopic(topic).catch(() => [] as ReadRecord[]), (records) => records.length >= count, {
    runs,
    intervalMs: 300,
    detail: (last) => `${last?.length} of ${count} records`,
  });

/** source.ts_ms (binlog event time) and ts_ms (processing time) vary: checked for shape, then set to 0. */
function normalized(v: string | null): string {
  expect(v).toMatch(/"source":\{"db":"[^"]+","table":"orders","ts_ms":\d+\},"ts_ms":\d{13}\}$/);
  return v!.replace(/"ts_ms":\d+\},"ts_ms":\d+\}$/, '"ts_ms":0},"ts_ms":0}');
}

describe('cdc run: MariaDB -> kafka', () => {
  it('snapshot, live changes and ALTER TABLE, exact messages in debezium-json and canal-json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-kafka-mysql-'));
    const canalTopic = `${DB}.orders_canal`;
    await createTopic(canalTopic, 3);
    const args = (file: string, state: string) => runArgs(file, join(dir, state), pluginDirs);
    const dbzRun = started.start(args(pipeline(dir, 'dbz', '5600-5601', { 'value.format': 'debezium-json', 'key.format': 'json', 'sink.add-tableId-to-header-enabled': true }), 's1'));
    const canalRun = started.start(
      args(
        pipeline(dir, 'canal', '5602-5603', {
          'value.format': 'canal-json',
          'key.format': 'csv',
          'partition.strategy': 'hash-by-key',
          'sink.delivery-guarantee': 'exactly-once',
          'properties.transactional.id': `${DB}-canal`,
          topic: canalTopic,
        }),
        's2',
      ),
    );
    const runs = [dbzRun, canalRun];

    await waitRecords(`${DB}.orders`, 2, runs);
    await waitRecords(canalTopic, 2, runs);
    await conn.query(`INSERT INTO ${DB}.orders VALUES (18446744073709551615, 0, '0.5000000000', '2038-01-19 03:14:08.000001', 'max')`);
    await conn.query(`UPDATE ${DB}.orders SET amount = '99999999999999999999.9999999999', note = 'updated' WHERE id = 1`);
    await conn.query(`DELETE FROM ${DB}.orders WHERE id = 2`);
    await conn.query(`ALTER TABLE ${DB}.orders ADD COLUMN extra INT`);
    await conn.query(`INSERT INTO ${DB}.orders VALUES (4, NULL, NULL, NULL, 'four', -2147483648)`);

    const dbz = await waitRecords(`${DB}.orders`, 6, runs);
    const canal = await waitRecords(canalTopic, 6, runs);

    const src = `"source":{"db":"${DB}","table":"orders","ts_ms":0},"ts_ms":0}`;
    const r1 = `{"id":1,"big":9223372036854775807,"amount":12345678901234567890.0123456789,"at":"2024-02-29 23:59:59.999999","note":"one 😀"}`;
    const r2 = `{"id":2,"big":-9223372036854775808,"amount":-1E-10,"at":"1970-01-01 00:00:00.000001","note":null}`;
    const r3 = `{"id":18446744073709551615,"big":0,"amount":0.5000000000,"at":"2038-01-19 03:14:08.000001","note":"max"}`;
    const r1u = `{"id":1,"big":9223372036854775807,"amount":99999999999999999999.9999999999,"at":"2024-02-29 23:59:59.999999","note":"updated"}`;
    const r4 = `{"id":4,"big":null,"amount":null,"at":null,"note":"four","extra":-2147483648}`;
    expect(dbz.map((r) => [r.key, normalized(r.value)])).toEqual([
      [`{"TableId":"${DB}.orders","id":1}`, `{"before":null,"after":${r1},"op":"r",${src}`],
      [`{"TableId":"${DB}.orders","id":2}`, `{"before":null,"after":${r2},"op":"r",${src}`],
      [`{"TableId":"${DB}.orders","id":18446744073709551615}`, `{"before":null,"after":${r3},"op":"c",${src}`],
      [`{"TableId":"${DB}.orders","id":1}`, `{"before":${r1},"after":${r1u},"op":"u",${src}`],
      [`{"TableId":"${DB}.orders","id":2}`, `{"before":${r2},"after":null,"op":"d",${src}`],
      [`{"TableId":"${DB}.orders","id":4}`, `{"before":null,"after":${r4},"op":"c",${src}`],
    ]);
    for (const r of dbz) expect(r.headers).toEqual({ namespace: '', schemaName: DB, tableName: 'orders' });
    // binlog changes carry the binlog event time, snapshot rows 0 (as Debezium's snapshot reads have no event time)
    expect(Number(/"ts_ms":(\d+)\},"ts_ms"/.exec(dbz[2].value!)![1])).toBeGreaterThan(1_600_000_000_000);

    const meta = `"database":"${DB}","table":"orders","pkNames":["id"]`;
    const t5 = `"mysqlType":{"id":"decimal(20,0)","big":"bigint","amount":"decimal(30,10)","at":"datetime(6)","note":"varchar(50)"},"sqlType":{"id":3,"big":-5,"amount":3,"at":93,"note":12}`;
    const t6 = t5.replace('"note":"varchar(50)"}', '"note":"varchar(50)","extra":"int"}').replace('"note":12}', '"note":12,"extra":4}');
    const norm = (v: string | null) => v!.replace(/"es":\d+,"ts":\d+/, '"es":0,"ts":0');
    const byKey = new Map<string, ReadRecord[]>();
    for (const r of canal) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r]);
    const k = (id: string) => `"${DB}.orders",${id}`;
    const canalOf = (id: string) => (byKey.get(k(id)) ?? []).map((r) => norm(r.value));
    expect(canalOf('1')).toEqual([
      `{"old":null,"data":[${r1}],"type":"INSERT",${meta},"es":0,"ts":0,"isDdl":false,${t5}}`,
      `{"old":[${r1}],"data":[${r1u}],"type":"UPDATE",${meta},"es":0,"ts":0,"isDdl":false,${t5}}`,
    ]);
    expect(canalOf('2')).toEqual([
      `{"old":null,"data":[${r2}],"type":"INSERT",${meta},"es":0,"ts":0,"isDdl":false,${t5}}`,
      `{"old":null,"data":[${r2}],"type":"DELETE",${meta},"es":0,"ts":0,"isDdl":false,${t5}}`,
    ]);
    expect(canalOf('18446744073709551615')).toEqual([`{"old":null,"data":[${r3}],"type":"INSERT",${meta},"es":0,"ts":0,"isDdl":false,${t5}}`]);
    expect(canalOf('4')).toEqual([`{"old":null,"data":[${r4}],"type":"INSERT",${meta},"es":0,"ts":0,"isDdl":false,${t6}}`]);
    for (const records of byKey.values()) expect(new Set(records.map((r) => r.partition)).size).toBe(1);

    await Promise.all(runs.map((r) => r.stop()));
  }, 150_000);
});
