/**
 * The writer against the real node: exact values, sharding suffix, a partial bulk failure (mapping conflict),
 * 429 items retried until accepted (a real read_only_allow_delete block answers 429), back-pressure while
 * blocked, basic auth, and the 6.x bulk format.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataTypes, Events, isCdcError, schema, tableId, type Event } from '@cdc/core';
import { TableSerializer, type ElasticsearchWriter } from '../src/index.js';
import { createIndexBody, mappingPath, schemaMeta } from '../src/elasticsearch-mappings.js';
import { createSink, deleteIndices, ensureElasticsearch, es, esConfig, exact, searchAll, sleep } from './helpers.js';
import { createTestLogger } from '@cdc/testkit';

const PREFIX = 'cdc_es_writer.';
const ctx = { subtask: 0, parallelism: 1, signal: new AbortController().signal, logger: createTestLogger(), pipeline: { name: 't', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' as const } };

beforeAll(async () => {
  await ensureElasticsearch();
  await deleteIndices(PREFIX);
}, 900_000);
afterAll(() => deleteIndices(PREFIX));

const ORDERS = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'region', type: DataTypes.VARCHAR(10) },
    { name: 'amount', type: DataTypes.DECIMAL(38, 10) },
    { name: 'at', type: DataTypes.TIMESTAMP(6) },
    { name: 'at_ltz', type: DataTypes.TIMESTAMP_LTZ(3) },
    { name: 'day', type: DataTypes.DATE() },
    { name: 'raw', type: DataTypes.BYTES() },
    { name: 'ok', type: DataTypes.BOOLEAN() },
    { name: 'ratio', type: DataTypes.DOUBLE() },
  ],
  primaryKeys: ['id'],
});

function writer(raw: Record<string, unknown> = {}) {
  const sink = createSink({ hosts: esConfig().url, version: 8, 'buffer.time.max.ms': 50, ...raw });
  return { sink, w: sink.createWriter(ctx) as ElasticsearchWriter };
}

describe('elasticsearch writer', () => {
  it('indexes exact values: BIGINT digits, DECIMAL text, microsecond timestamps, base64 bytes; deletes by key', async () => {
    const t = tableId('cdc_es_writer', 'exact');
    const { sink, w } = writer();
    await w.write([
      Events.createTable(t, ORDERS),
      Events.insert(t, [9223372036854775807n, 'eu', '1234567890123456789012345678.1234567890', '2024-02-29T23:59:59.5', '2024-01-01T00:00:00.001Z', '2024-01-02', new Uint8Array([0, 255, 1]), true, 0.1]),
      Events.insert(t, [-9223372036854775808n, null, '-0.0000000001', '1000-01-01T00:00:00', null, null, null, false, Number.NaN]),
      Events.insert(t, [7n, 'us', '1', '2024-01-01T00:00:00.000001', null, null, null, null, null]),
    ]);
    await w.prepareCommit(1);
    await w.write([Events.update(t, [7n, 'us', '1', '2024-01-01T00:00:00.000001', null, null, null, null, null], [7n, 'us', '2.5', '2024-01-01T00:00:00.000002', null, null, null, null, null]), Events.delete(t, [-9223372036854775808n, null, '-0.0000000001', '1000-01-01T00:00:00', null, null, null, false, Number.NaN])]);
    await w.prepareCommit(2);
    const docs = await searchAll('cdc_es_writer.exact');
    expect(docs.map((d) => [d.id, exact(d.source)])).toEqual([
      ['7', { id: '#7', region: 'us', amount: '2.5', at: '2024-01-01T00:00:00.000002', at_ltz: null, day: null, raw: null, ok: null, ratio: null }],
      [
        '9223372036854775807',
        { id: '#9223372036854775807', region: 'eu', amount: '1234567890123456789012345678.1234567890', at: '2024-02-29T23:59:59.500000', at_ltz: '2024-01-01T00:00:00.001Z', day: '2024-01-02', raw: 'AP8B', ok: true, ratio: '#0.1' },
      ],
    ]);
    const mapping = (await es('GET', '/cdc_es_writer.exact/_mapping')).json()['cdc_es_writer.exact'].mappings;
    expect(mapping.properties.amount).toEqual({ type: 'double' });
    expect(mapping.properties.at.type).toBe('date');
    expect(mapping.properties.raw).toEqual({ type: 'binary' });
    expect(mapping._meta.cdc.columns[0]).toEqual(['id', 'BIGINT NOT NULL']);
    await w.close();
    await sink.close();
  });

  it('sharding.suffix.key: rows go to <index>_<value>; an update that changes the value moves the document', async () => {
    const t = tableId('cdc_es_writer', 'sharded');
    const { sink, w } = writer({ 'sharding.suffix.key': 'cdc_es_writer.sharded:region' });
    const row = (id: bigint, region: string) => [id, region, '1', null, null, null, null, null, null];
    await w.write([Events.createTable(t, ORDERS), Events.insert(t, row(1n, 'EU')), Events.insert(t, row(2n, 'us')), Events.insert(t, row(3n, 'us'))]);
    await w.write([Events.update(t, row(2n, 'us'), row(2n, 'EU')), Events.delete(t, row(3n, 'us'))]);
    await w.prepareCommit(1);
    const docs = await searchAll('cdc_es_writer.sharded*');
    expect(docs.map((d) => [d.index, d.id])).toEqual([
      ['cdc_es_writer.sharded_eu', '1'],
      ['cdc_es_writer.sharded_eu', '2'],
    ]);
    await w.close();
    await sink.close();
  });

  it('a partial bulk failure (mapping conflict) fails the checkpoint naming the table, document id and reason; the other items are indexed', async () => {
    const t = tableId('cdc_es_writer', 'conflict');
    await es('PUT', '/cdc_es_writer.conflict', { mappings: { properties: { region: { type: 'long' } } } });
    const { sink, w } = writer();
    await w.write([Events.createTable(t, ORDERS), Events.insert(t, [1n, '10', '1', null, null, null, null, null, null]), Events.insert(t, [2n, 'not a number', '1', null, null, null, null, null, null]), Events.insert(t, [3n, '30', '1', null, null, null, null, null, null])]);
    const err = await w.prepareCommit(1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCdcError(err) && err.code).toBe('SINK');
    expect((err as Error).message).toMatch(/Elasticsearch refused to index document id "2" of table cdc_es_writer\.conflict in index cdc_es_writer\.conflict: document_parsing_exception: .*\[region\].*not a number.* \(status 400\) — fix the index mapping or the data/);
    expect((await searchAll('cdc_es_writer.conflict')).map((d) => d.id)).toEqual(['1', '3']);
    // the writer stays failed: nothing after it is acknowledged
    await expect(w.write([Events.insert(t, [4n, '40', '1', null, null, null, null, null, null])])).rejects.toThrow(/document id "2"/);
    await w.close();
    await sink.close();
  });

  it('items refused with 429 (read_only_allow_delete block) are retried until accepted; write() waits while the buffer is full', async () => {
    const t = tableId('cdc_es_writer', 'throttled');
    const index = 'cdc_es_writer.throttled';
    const logger = createTestLogger();
    const { warnings } = logger;
    const sink = createSink({ hosts: esConfig().url, version: 8, 'buffer.time.max.ms': 20, 'batch.size.max': 10, 'buffered.requests.max': 20, 'inflight.requests.max': 2 }, logger);
    const w = sink.createWriter({ ...ctx, logger }) as ElasticsearchWriter;
    await w.write([Events.createTable(t, ORDERS), Events.insert(t, [0n, 'x', '1', null, null, null, null, null, null])]);
    await w.prepareCommit(1); // the index exists
    await es('PUT', `/${index}/_settings`, { 'index.blocks.read_only_allow_delete': true });
    const events: Event[] = Array.from({ length: 200 }, (_, i) => Events.insert(t, [BigInt(i + 1), 'x', String(i), null, null, null, null, null, null]));
    let done = false;
    const writing = w.write(events).then(() => (done = true));
    await sleep(1500);
    expect(done, 'write() returned while Elasticsearch refused everything').toBe(false);
    expect(w.pending.buffered).toBeLessThanOrEqual(20);
    expect(w.stats.retriedItems).toBeGreaterThan(0);
    await es('PUT', `/${index}/_settings`, { 'index.blocks.read_only_allow_delete': null });
    await writing;
    await w.prepareCommit(2);
    expect((await searchAll(index)).length).toBe(201);
    expect(warnings.some((m) => /refused for now \(cluster_block_exception: .*read-only-allow-delete/.test(m))).toBe(true);
    await w.close();
    await sink.close();
  }, 60_000);

  it('basic auth: the secured node accepts the right credentials and refuses others with an AuthError', async () => {
    const { secureUrl, username, password } = esConfig();
    const t = tableId('cdc_es_writer', 'secured');
    const ok = createSink({ hosts: secureUrl, version: 8, username, password });
    expect((await ok.check(ctx.signal)).problems).toEqual([]);
    const w = ok.createWriter(ctx);
    await w.write([Events.createTable(t, ORDERS), Events.insert(t, [1n, 'x', '1', null, null, null, null, null, null])]);
    await w.prepareCommit(1);
    expect((await searchAll('cdc_es_writer.secured', secureUrl, `${username}:${password}`)).map((d) => d.id)).toEqual(['1']);
    await w.close();
    await ok.close();
    for (const creds of [{ username, password: 'wrong-password' }, {}]) {
      const bad = createSink({ hosts: secureUrl, version: 8, ...creds });
      const err = await bad.check(ctx.signal).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isCdcError(err) && err.code).toBe('AUTH');
      expect((err as Error).message).toMatch(/HTTP 401: security_exception/);
      expect((err as Error).message).not.toContain('wrong-password');
      await bad.close();
    }
    await deleteIndices('cdc_es_writer.', secureUrl, `${username}:${password}`);
  });
});

describe('bulk format per version', () => {
  const t = tableId('Db', 'Orders');
  const s = schema({ columns: [{ name: 'a', type: DataTypes.INT(false) }, { name: 'b', type: DataTypes.STRING() }], primaryKeys: ['a', 'b'] });
  it('6.x actions carry _type _doc; 7.x and 8.x do not; index lower-cased; composite ids joined with _', () => {
    const row = [1, 'x y'];
    expect(new TableSerializer(t, s, 6, undefined, '_').indexAction(row).text).toBe('{"index":{"_index":"db.orders","_type":"_doc","_id":"1_x y"}}\n{"a":1,"b":"x y"}\n');
    expect(new TableSerializer(t, s, 7, undefined, '_').deleteAction(row).text).toBe('{"delete":{"_index":"db.orders","_id":"1_x y"}}\n');
    expect(new TableSerializer(t, s, 8, undefined, '_').indexAction(row).text).toBe('{"index":{"_index":"db.orders","_id":"1_x y"}}\n{"a":1,"b":"x y"}\n');
  });
  it('6.x mappings are under the _doc type; 7.x and 8.x typeless', () => {
    const meta = schemaMeta('db.orders', s);
    expect(JSON.parse(createIndexBody({ at: { type: 'date' } }, meta, 6))).toEqual({ mappings: { _doc: { _meta: { cdc: meta }, properties: { at: { type: 'date' } } } } });
    expect(JSON.parse(createIndexBody({}, meta, 7))).toEqual({ mappings: { _meta: { cdc: meta }, properties: {} } });
    expect(mappingPath('db.orders', 6)).toBe('/db.orders/_mapping/_doc');
    expect(mappingPath('db.orders', 8)).toBe('/db.orders/_mapping');
  });
  it('a table without a primary key gets the SHA-1 of the row as id (replays stay idempotent)', () => {
    const keyless = schema({ columns: [{ name: 'a', type: DataTypes.INT() }] });
    const ser = new TableSerializer(t, keyless, 8, undefined, '_');
    expect(ser.idFor([1])).toMatch(/^[0-9a-f]{40}$/);
    expect(ser.idFor([1])).toBe(ser.idFor([1]));
    expect(ser.idFor([2])).not.toBe(ser.idFor([1]));
  });
});
