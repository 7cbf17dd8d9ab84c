/**
 * The sink driven in-process as the runtime drives it, against the real broker, read back with a real
 * kafkajs consumer: exact record bytes for both value formats and both key formats, headers, topic routing,
 * hash-by-key partitioning and order, schema changes, and the failure modes (topic missing with auto creation
 * off, record too large, broker unreachable).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { column, DataTypes, Events, schema, tableId, type DataSink, type Event, type SinkWriter } from '@cdc/core';
import { createTestLogger, factoryContext } from '@cdc/testkit';
import { kafkaSinkFactory } from '../src/index.js';
import { BOOTSTRAP, createTopic, deleteTopics, ensureKafka, readTopic, withoutProcessingTime } from './helpers.js';

const PREFIX = `cdc_kafka_sink_${Date.now().toString(36)}`;

beforeAll(() => ensureKafka(), 600_000);
afterAll(() => deleteTopics(PREFIX).catch(() => undefined));

async function open(options: Record<string, unknown>): Promise<{ sink: DataSink; writer: SinkWriter; checkpoint: (id: number) => Promise<void>; close: () => Promise<void> }> {
  const sink = kafkaSinkFactory.create(factoryContext(kafkaSinkFactory, { 'properties.bootstrap.servers': BOOTSTRAP, ...options }, createTestLogger()));
  const committer = sink.createCommitter?.();
  await committer?.recover?.(undefined);
  const writer = await sink.createWriter({ subtask: 0, parallelism: 1, signal: new AbortController().signal, logger: createTestLogger(), pipeline: { name: 'kafka-test', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' } });
  return {
    sink,
    writer,
    checkpoint: async (id) => {
      const c = await writer.prepareCommit(id);
      if (c !== undefined) await committer!.commit([c], id);
    },
    close: async () => {
      await writer.close();
      await committer?.close?.();
      await sink.close?.();
    },
  };
}

const ORDERS = schema({
  columns: [
    column('id', DataTypes.BIGINT(false)),
    column('amount', DataTypes.DECIMAL(38, 10)),
    column('at', DataTypes.TIMESTAMP(6)),
    column('note', DataTypes.STRING()),
    column('ok', DataTypes.BOOLEAN()),
    column('d', DataTypes.DOUBLE()),
  ],
  primaryKeys: ['id'],
});

function changes(t: ReturnType<typeof tableId>): Event[] {
  return [
    Events.createTable(t, ORDERS),
    Events.insert(t, [9223372036854775807n, '1234567890123456789012345678.0123456789', '2024-02-29T23:59:59.999999', 'max 😀 "q"', true, 1e21], { op_ts: '1700000000000', snapshot: 'true' }),
    Events.insert(t, [-9223372036854775808n, '-0.0000000001', '1970-01-01T00:00:00', null, false, 0.1], { op_ts: '1700000000001' }),
    Events.update(t, [-9223372036854775808n, '-0.0000000001', '1970-01-01T00:00:00', null, false, 0.1], [-9223372036854775808n, '0', '1970-01-01T00:00:00.5', 'x', null, 100], { op_ts: '1700000000002' }),
    Events.delete(t, [9223372036854775807n, '1234567890123456789012345678.0123456789', '2024-02-29T23:59:59.999999', 'max 😀 "q"', true, 1e21], { op_ts: '1700000000003' }),
  ];
}

describe('kafka sink: record shapes on a real broker', () => {
  it('debezium-json values and json keys, byte for byte; BIGINT and DECIMAL exact; snapshot rows as op r', async () => {
    const t = tableId(PREFIX, 'dbz');
    const s = await open({ 'value.format': 'debezium-json', 'key.format': 'json' });
    await s.writer.write(changes(t));
    await s.checkpoint(1);
    await s.close();
    const records = await readTopic(`${PREFIX}.dbz`);
    expect(records.map((r) => r.key)).toEqual([
      `{"TableId":"${PREFIX}.dbz","id":9223372036854775807}`,
      `{"TableId":"${PREFIX}.dbz","id":-9223372036854775808}`,
      `{"TableId":"${PREFIX}.dbz","id":-9223372036854775808}`,
      `{"TableId":"${PREFIX}.dbz","id":9223372036854775807}`,
    ]);
    const src = `"source":{"db":"${PREFIX}","table":"dbz"`;
    expect(records.map((r) => withoutProcessingTime(r.value))).toEqual([
      `{"before":null,"after":{"id":9223372036854775807,"amount":1234567890123456789012345678.0123456789,"at":"2024-02-29 23:59:59.999999","note":"max 😀 \\"q\\"","ok":true,"d":1.0E21},"op":"r",${src},"ts_ms":1700000000000},"ts_ms":0}`,
      `{"before":null,"after":{"id":-9223372036854775808,"amount":-1E-10,"at":"1970-01-01 00:00:00","note":null,"ok":false,"d":0.1},"op":"c",${src},"ts_ms":1700000000001},"ts_ms":0}`,
      `{"before":{"id":-9223372036854775808,"amount":-1E-10,"at":"1970-01-01 00:00:00","note":null,"ok":false,"d":0.1},"after":{"id":-9223372036854775808,"amount":0E-10,"at":"1970-01-01 00:00:00.5","note":"x","ok":null,"d":100.0},"op":"u",${src},"ts_ms":1700000000002},"ts_ms":0}`,
      `{"before":{"id":9223372036854775807,"amount":1234567890123456789012345678.0123456789,"at":"2024-02-29 23:59:59.999999","note":"max 😀 \\"q\\"","ok":true,"d":1.0E21},"after":null,"op":"d",${src},"ts_ms":1700000000003},"ts_ms":0}`,
    ]);
    expect(records.every((r) => r.partition === 0)).toBe(true);
    expect(Number(JSON.parse(records[0].value!).ts_ms)).toBeGreaterThan(1_700_000_000_000);
  }, 60_000);

  it('canal-json values, csv keys, plain decimals, ISO timestamps, headers and a fixed topic', async () => {
    const t = tableId(PREFIX, 'canal');
    const topic = `${PREFIX}.fixed`;
    const s = await open({
      'value.format': 'canal-json',
      'key.format': 'csv',
      topic,
      'canal-json.encode.decimal-as-plain-number': true,
      'canal-json.timestamp-format.standard': 'ISO-8601',
      'sink.add-tableId-to-header-enabled': true,
      'sink.custom-header': 'team:cdc;env:test',
    });
    await s.writer.write(changes(t));
    await s.checkpoint(1);
    await s.close();
    const records = await readTopic(topic);
    expect(records.map((r) => r.key)).toEqual([`"${PREFIX}.canal",9223372036854775807`, `"${PREFIX}.canal",-9223372036854775808`, `"${PREFIX}.canal",-9223372036854775808`, `"${PREFIX}.canal",9223372036854775807`]);
    const meta = `"database":"${PREFIX}","table":"canal","pkNames":["id"]`;
    const types = `"isDdl":false,"mysqlType":{"id":"bigint","amount":"decimal(38,10)","at":"datetime(6)","note":"longtext","ok":"tinyint(1)","d":"double"},"sqlType":{"id":-5,"amount":3,"at":93,"note":-1,"ok":-7,"d":8}`;
    const row1 = `{"id":9223372036854775807,"amount":1234567890123456789012345678.0123456789,"at":"2024-02-29T23:59:59.999999","note":"max 😀 \\"q\\"","ok":true,"d":1.0E21}`;
    const row2 = `{"id":-9223372036854775808,"amount":-0.0000000001,"at":"1970-01-01T00:00:00","note":null,"ok":false,"d":0.1}`;
    const row3 = `{"id":-9223372036854775808,"amount":0.0000000000,"at":"1970-01-01T00:00:00.5","note":"x","ok":null,"d":100.0}`;
    expect(records.map((r) => withoutProcessingTime(r.value))).toEqual([
      `{"old":null,"data":[${row1}],"type":"INSERT",${meta},"es":1700000000000,"ts":0,${types}}`,
      `{"old":null,"data":[${row2}],"type":"INSERT",${meta},"es":1700000000001,"ts":0,${types}}`,
      `{"old":[${row2}],"data":[${row3}],"type":"UPDATE",${meta},"es":1700000000002,"ts":0,${types}}`,
      `{"old":null,"data":[${row1}],"type":"DELETE",${meta},"es":1700000000003,"ts":0,${types}}`,
    ]);
    for (const r of records) expect(r.headers).toEqual({ namespace: '', schemaName: PREFIX, tableName: 'canal', team: 'cdc', env: 'test' });
  }, 60_000);

  it('include-schema: the Connect schema block follows schema changes; later records use the new columns', async () => {
    const t = tableId(PREFIX, 'evolve');
    const s = await open({ 'debezium-json.include-schema.enabled': true });
    const sc = schema({ columns: [column('id', DataTypes.INT(false)), column('v', DataTypes.VARCHAR(10), { comment: 'a value' })], primaryKeys: ['id'] });
    await s.writer.write([Events.createTable(t, sc), Events.insert(t, [1, 'a'])]);
    await s.writer.write([Events.addColumnLast(t, column('price', DataTypes.DECIMAL(6, 2), { defaultValue: '1.50' })), Events.insert(t, [2, 'b', '12.30'])]);
    await s.writer.write([Events.renameColumn(t, { v: 'label' }), Events.insert(t, [3, 'c', null])]);
    await s.checkpoint(1);
    await s.close();
    const records = (await readTopic(`${PREFIX}.evolve`)).map((r) => JSON.parse(r.value!) as { schema: { fields: { fields: { field: string; type: string; name?: string; default?: string; doc?: string }[] }[] }; payload: { after: Record<string, unknown> } });
    expect(records.map((r) => r.schema.fields[1].fields.map((f) => f.field))).toEqual([['id', 'v'], ['id', 'v', 'price'], ['id', 'label', 'price']]);
    expect(records[1].schema.fields[1].fields[2]).toEqual({ type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '6' }, default: 'AJY=', field: 'price' });
    expect(records[0].schema.fields[1].fields[1]).toEqual({ type: 'string', optional: true, doc: 'a value', field: 'v' });
    expect(records.map((r) => r.payload.after)).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b', price: 12.3 }, { id: 3, label: 'c', price: null }]);
  }, 60_000);

  it('hash-by-key: every change of a key lands on one partition (Kafka default partitioner), in order; mapping routes tables', async () => {
    const topic = `${PREFIX}.hashed`;
    await createTopic(topic, 3);
    const t = tableId(PREFIX, 'h');
    const s = await open({ 'partition.strategy': 'hash-by-key', 'sink.tableId-to-topic.mapping': `${PREFIX}.nope:x;${PREFIX}.h:${topic}` });
    const sc = schema({ columns: [column('id', DataTypes.INT(false)), column('n', DataTypes.INT())], primaryKeys: ['id'] });
    const events: Event[] = [Events.createTable(t, sc)];
    for (let id = 0; id < 30; id++) events.push(Events.insert(t, [id, 0]));
    for (let n = 1; n <= 5; n++) for (let id = 0; id < 30; id++) events.push(Events.update(t, [id, n - 1], [id, n]));
    await s.writer.write(events);
    await s.checkpoint(1);
    await s.close();
    const records = await readTopic(topic);
    expect(records).toHaveLength(180);
    const byKey = new Map<string, { partitions: Set<number>; ns: number[] }>();
    for (const r of records) {
      const e = byKey.get(r.key!) ?? { partitions: new Set(), ns: [] };
      e.partitions.add(r.partition);
      e.ns.push((JSON.parse(r.value!) as { after: { n: number } }).after.n);
      byKey.set(r.key!, e);
    }
    expect(byKey.size).toBe(30);
    for (const e of byKey.values()) {
      expect(e.partitions.size).toBe(1);
      expect(e.ns).toEqual([0, 1, 2, 3, 4, 5]);
    }
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
  }, 60_000);
});

describe('kafka sink: delivery guarantee none', () => {
  it('records go out without a checkpoint waiting for them; close still sends what was handed over', async () => {
    const t = tableId(PREFIX, 'none');
    const s = await open({ 'sink.delivery-guarantee': 'none' });
    const sc = schema({ columns: [column('id', DataTypes.INT(false))], primaryKeys: ['id'] });
    await s.writer.write([Events.createTable(t, sc), ...Array.from({ length: 50 }, (_, i) => Events.insert(t, [i]))]);
    expect(await s.writer.prepareCommit(1)).toBeUndefined();
    await s.close();
    expect((await readTopic(`${PREFIX}.none`)).map((r) => JSON.parse(r.value!).after.id)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  }, 60_000);
});

describe('kafka sink: failures', () => {
  const sc = schema({ columns: [column('id', DataTypes.INT(false)), column('v', DataTypes.STRING())], primaryKeys: ['id'] });

  it('topic missing and auto creation off: retries with backoff, succeeds once the topic exists', async () => {
    const t = tableId(PREFIX, 'late');
    const s = await open({ 'properties.allow.auto.create.topics': false, 'properties.max.block.ms': 60_000 });
    await s.writer.write([Events.createTable(t, sc), Events.insert(t, [1, 'a'])]);
    const prepared = s.writer.prepareCommit(1);
    let acked = false;
    void prepared.then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 1500));
    expect(acked).toBe(false); // nothing acknowledged before Kafka has it
    await createTopic(`${PREFIX}.late`);
    await prepared;
    await s.close();
    expect((await readTopic(`${PREFIX}.late`)).map((r) => JSON.parse(r.value!).after)).toEqual([{ id: 1, v: 'a' }]);
  }, 90_000);

  it('topic missing and auto creation off: a ConfigError after max.block.ms', async () => {
    const t = tableId(PREFIX, 'never');
    const s = await open({ 'properties.allow.auto.create.topics': false, 'properties.max.block.ms': 1500 });
    await s.writer.write([Events.createTable(t, sc), Events.insert(t, [1, 'a'])]);
    await expect(s.writer.prepareCommit(1)).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringMatching(/topic .*never does not exist .*create the topic/) });
    await s.close();
  }, 60_000);

  it('a record above max.request.size: a DataError naming the table and key, before anything is sent', async () => {
    const t = tableId(PREFIX, 'big');
    const s = await open({ 'properties.max.request.size': 2000 });
    await s.writer.write([Events.createTable(t, sc)]);
    await expect(s.writer.write([Events.insert(t, [7, 'x'.repeat(5000)])])).rejects.toMatchObject({ name: 'DataError', message: expect.stringMatching(/big with key \{"TableId":".*big","id":7\} serializes to \d+ bytes, more than max.request.size/) });
    await s.close();
  }, 60_000);

  it('a record the broker refuses as too large (topic max.message.bytes): a DataError', async () => {
    const topic = `${PREFIX}.small`;
    const admin = (await import('./helpers.js')).kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1000' }] }], waitForLeaders: true });
    await admin.disconnect();
    const t = tableId(PREFIX, 'small');
    const s = await open({});
    await s.writer.write([Events.createTable(t, sc), Events.insert(t, [1, 'y'.repeat(3000)])]);
    await expect(s.writer.prepareCommit(1)).rejects.toMatchObject({ name: 'DataError', message: expect.stringMatching(/too large/) });
    await s.close();
  }, 60_000);

  it('broker unreachable: a retryable ConnectError after delivery.timeout.ms, nothing acknowledged', async () => {
    const sink = kafkaSinkFactory.create(factoryContext(kafkaSinkFactory, { 'properties.bootstrap.servers': '127.0.0.1:1', 'properties.delivery.timeout.ms': 1000 }));
    await expect(sink.createWriter({ subtask: 0, parallelism: 1, signal: new AbortController().signal, logger: createTestLogger(), pipeline: { name: 'x', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' } })).rejects.toMatchObject({
      name: 'ConnectError',
      retryable: true,
      message: expect.stringMatching(/127\.0\.0\.1:1/),
    });
  }, 60_000);

  it('bad options: a ConfigError naming the key', () => {
    const make = (o: Record<string, unknown>) => () => kafkaSinkFactory.create(factoryContext(kafkaSinkFactory, { 'properties.bootstrap.servers': BOOTSTRAP, ...o }));
    expect(make({ 'value.format': 'avro' })).toThrow(/value.format.*debezium-json, canal-json/);
    expect(make({ 'sink.custom-header': 'novalue' })).toThrow(/sink.custom-header.*malformed/);
    expect(make({ 'sink.tableId-to-topic.mapping': 'a.b' })).toThrow(/sink.tableId-to-topic.mapping.*malformed/);
    expect(make({ 'debezium-json.nope': 'x' })).toThrow(/unknown option "debezium-json.nope"/);
    expect(make({ 'canal-json.encode.decimal-as-plain-number': true })).toThrow(/canal-json.encode.decimal-as-plain-number.*format canal-json, which this sink does not use/);
    expect(make({ 'properties.acks': 'most' })).toThrow(/properties.acks/);
    expect(() => kafkaSinkFactory.create(factoryContext(kafkaSinkFactory, {}))).toThrow(/properties.bootstrap.servers/);
  });
});
