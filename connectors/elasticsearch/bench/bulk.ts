/**
 * Benchmark of the elasticsearch sink against the node of tools/services/elasticsearch:
 * - throughput: N insert events (BIGINT id, VARCHAR, DECIMAL, TIMESTAMP(6), INT) through the sink writer into one
 *   fresh index, until prepareCommit resolves, vs the same documents sent by a plain loop of `client.bulk()`
 *   calls of the official @elastic/elasticsearch client (500 documents per request, one at a time);
 * - memory: a child process runs the sink writer with its default limits and pushes events while the index is
 *   blocked (every item answered 429) for a while, then unblocked; its peak RSS is reported.
 * Runnable alone: node --conditions=source --import tsx connectors/elasticsearch/bench/bulk.ts [events]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { DataTypes, Events, schema, tableId, validateOptions, type Event } from '@cdc/core';
import { elasticsearchSinkFactory } from '../src/index.js';
import { deleteIndices, ensureElasticsearch, es, esConfig, quietLogger, sleep } from '../test/helpers.js';

const TABLE = tableId('cdc_es_bench', 'orders');
const INDEX = 'cdc_es_bench.orders';
const SCHEMA = schema({
  columns: [
    { name: 'id', type: DataTypes.BIGINT(false) },
    { name: 'name', type: DataTypes.VARCHAR(40) },
    { name: 'amount', type: DataTypes.DECIMAL(20, 4) },
    { name: 'at', type: DataTypes.TIMESTAMP(6) },
    { name: 'qty', type: DataTypes.INT() },
  ],
  primaryKeys: ['id'],
});

function row(i: number): unknown[] {
  return [BigInt(i), `customer ${i % 10007}`, `${i % 100000}.${String(i % 10000).padStart(4, '0')}`, `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i % 1000000).padStart(6, '0')}`, i % 1000];
}

/** Events in batches of 1000, made as they are consumed (the source side is not what is measured). */
function* batches(n: number): Generator<Event[]> {
  for (let start = 0; start < n; start += 1000) {
    const out: Event[] = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) out.push(Events.insert(TABLE, row(i)));
    yield out;
  }
}

function createWriter(raw: Record<string, unknown> = {}) {
  const { options } = validateOptions({ owner: 'elasticsearch', specs: elasticsearchSinkFactory.options, raw: { hosts: esConfig().url, version: 8, ...raw } });
  const sink = elasticsearchSinkFactory.create({ identifier: 'elasticsearch', options, pipeline: { name: 'bench', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' }, logger: quietLogger });
  const writer = sink.createWriter({ subtask: 0, parallelism: 1, signal: new AbortController().signal, logger: quietLogger, pipeline: { name: 'bench', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' } });
  return { sink, writer: writer as Awaited<typeof writer> };
}

async function count(): Promise<number> {
  await es('POST', `/${INDEX}/_refresh`);
  return (await es('GET', `/${INDEX}/_count`)).json().count as number;
}

/** Seconds for the sink writer to get n events accepted. */
export async function ours(n: number): Promise<number> {
  await deleteIndices(INDEX);
  const { sink, writer } = createWriter();
  const t0 = performance.now();
  await writer.write([Events.createTable(TABLE, SCHEMA)]);
  let sent = 0;
  for (const b of batches(n)) {
    await writer.write(b);
    sent += b.length;
    if (sent % 200_000 === 0) await writer.prepareCommit(sent); // checkpoints, as a pipeline would take them
  }
  await writer.prepareCommit(n);
  const secs = (performance.now() - t0) / 1000;
  await writer.close();
  await sink.close?.();
  const c = await count();
  if (c !== n) throw new Error(`the sink indexed ${c} documents, expected ${n}`);
  return secs;
}

/** Seconds for a plain loop of client.bulk() calls (500 documents each, sequential) to index the same documents. */
export async function reference(n: number): Promise<number> {
  await deleteIndices(INDEX);
  const client = new Client({ node: esConfig().url });
  // same explicit mappings as the sink puts (DECIMAL as double, TIMESTAMP as date)
  await client.indices.create({ index: INDEX, mappings: { properties: { amount: { type: 'double' }, at: { type: 'date' } } } });
  const t0 = performance.now();
  for (let start = 0; start < n; start += 500) {
    const operations: unknown[] = [];
    for (let i = start; i < Math.min(n, start + 500); i++) {
      const r = row(i);
      operations.push({ index: { _index: INDEX, _id: String(i) } }, { id: i, name: r[1], amount: r[2], at: r[3], qty: r[4] });
    }
    const res = await client.bulk({ operations });
    if (res.errors) throw new Error('the reference bulk loop got item errors');
  }
  const secs = (performance.now() - t0) / 1000;
  await client.close();
  const c = await count();
  if (c !== n) throw new Error(`the reference indexed ${c} documents, expected ${n}`);
  return secs;
}

/** Child process: pushes n events with the default limits while the index is blocked for blockMs; prints its peak RSS. */
async function throttledChild(n: number, blockMs: number): Promise<void> {
  await deleteIndices(INDEX);
  const { sink, writer } = createWriter();
  await writer.write([Events.createTable(TABLE, SCHEMA), Events.insert(TABLE, row(0))]);
  await writer.prepareCommit(0);
  await es('PUT', `/${INDEX}/_settings`, { 'index.blocks.read_only_allow_delete': true });
  const unblock = sleep(blockMs).then(() => es('PUT', `/${INDEX}/_settings`, { 'index.blocks.read_only_allow_delete': null }));
  for (const b of batches(n)) await writer.write(b);
  await unblock;
  await writer.prepareCommit(1);
  await writer.close();
  await sink.close?.();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stdout.write(JSON.stringify({ peakRssMb: Math.round(Number(hwm?.[1] ?? 0) / 1024), indexed: await count() }) + '\n');
}

/** Peak RSS (MB) of a child process that writes n events while the index refuses writes for blockMs. */
export async function throttledPeakRss(n: number, blockMs: number): Promise<{ peakRssMb: number; indexed: number }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--throttled-child', String(n), String(blockMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new Error(`the throttled child exited ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').pop()!) as { peakRssMb: number; indexed: number };
}

export async function prepare(): Promise<void> {
  await ensureElasticsearch();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--throttled-child') {
    await throttledChild(Number(process.argv[3]), Number(process.argv[4]));
  } else {
    const n = Number(process.argv[2] ?? 200_000);
    await prepare();
    const ref = await reference(n);
    const o = await ours(n);
    process.stdout.write(`reference ${Math.round(n / ref)} docs/s, ours ${Math.round(n / o)} docs/s, ratio ${(ref / o).toFixed(3)}\n`);
    process.stdout.write(`${JSON.stringify(await throttledPeakRss(Math.min(n, 200_000), 10_000))}\n`);
  }
  await deleteIndices(INDEX);
}
