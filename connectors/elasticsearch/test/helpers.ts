/**
 * Test helpers: the Elasticsearch nodes of tools/services/elasticsearch (plain on CDC_ES_PORT, basic auth on
 * CDC_ES_SECURE_PORT), plain HTTP calls to them, and reading an index back as rows in core's representation
 * (exact: numbers are parsed without loss).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { isLosslessNumber, parse } from 'lossless-json';
import { parseType, tableIdString, type DataType, type Logger, type Schema, type TableId } from '@cdc/core';
import { createTestLogger, factoryContext } from '@cdc/testkit';
import { elasticsearchSinkFactory, type ElasticsearchDataSink } from '../src/index.js';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');

export function esConfig() {
  const host = '127.0.0.1';
  const port = Number(process.env.CDC_ES_PORT ?? 19200);
  const securePort = Number(process.env.CDC_ES_SECURE_PORT ?? 19201);
  return { url: `http://${host}:${port}`, secureUrl: `http://${host}:${securePort}`, username: 'elastic', password: 'cdc-es-secret' };
}

/** `tools/services/elasticsearch start` (a no-op when both nodes run); rejects with the script's output. */
export function ensureElasticsearch(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(repoRoot, 'tools', 'services', 'elasticsearch'), 'start'], { timeout: 15 * 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tools/services/elasticsearch start failed: ${String(stdout)}${String(stderr)}`));
      else resolve();
    });
  });
}

export async function es(method: string, path: string, body?: unknown, opts: { url?: string; auth?: string } = {}): Promise<{ status: number; text: string; json: () => any }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = typeof body === 'string' && body.endsWith('\n') ? 'application/x-ndjson' : 'application/json';
  if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const res = await fetch(`${opts.url ?? esConfig().url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** Deletes every index whose name starts with `prefix`. */
export async function deleteIndices(prefix: string, url?: string, auth?: string): Promise<void> {
  const res = await es('GET', `/_cat/indices/${encodeURIComponent(prefix)}*?h=index&format=json`, undefined, { url, auth });
  if (res.status !== 200) return;
  const names = (res.json() as { index: string }[]).map((r) => r.index);
  if (names.length) await es('DELETE', `/${names.map(encodeURIComponent).join(',')}`, undefined, { url, auth });
}

export function indexOf(t: TableId): string {
  return tableIdString(t).toLowerCase();
}

/** The table schema the sink keeps in the index mapping's _meta.cdc; undefined when the index does not exist. */
export async function readSchemaMeta(index: string, url?: string): Promise<Schema | undefined> {
  const res = await es('GET', `/${encodeURIComponent(index)}/_mapping`, undefined, { url });
  if (res.status === 404) return undefined;
  const j = res.json() as Record<string, { mappings: { _meta?: { cdc?: { columns: [string, string][]; primaryKeys: string[] } } } }>;
  const meta = j[index]?.mappings?._meta?.cdc;
  if (!meta) return undefined;
  return { columns: meta.columns.map(([name, type]) => ({ name, type: parseType(type) })), primaryKeys: meta.primaryKeys, partitionKeys: [], options: {} };
}

function fromSource(type: DataType | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (isLosslessNumber(v)) {
    const text = String(v.value);
    if (type?.type === 'BIGINT') return BigInt(text);
    if (type?.type === 'DECIMAL') return text;
    return Number(text);
  }
  if (!type) return v;
  switch (type.type) {
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return new Uint8Array(Buffer.from(v as string, 'base64'));
    default:
      return v;
  }
}

export interface Doc {
  readonly id: string;
  readonly index: string;
  readonly source: Record<string, unknown>;
}

/** Every document of the indices matching `pattern` (refreshed first), numbers parsed without loss, sorted by id. */
export async function searchAll(pattern: string, url?: string, auth?: string): Promise<Doc[]> {
  await es('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`, undefined, { url, auth });
  const res = await es('GET', `/${pattern}/_search?size=10000&ignore_unavailable=true&allow_no_indices=true`, undefined, { url, auth });
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`search ${pattern}: HTTP ${res.status} ${res.text}`);
  const j = parse(res.text) as { hits: { hits: { _id: string; _index: string; _source: Record<string, unknown> }[] } };
  return j.hits.hits.map((h) => ({ id: h._id, index: h._index, source: h._source })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Rows of a table's index in core's representation (types from _meta.cdc). */
export async function readRows(t: TableId, url?: string): Promise<Record<string, unknown>[]> {
  const index = indexOf(t);
  const schema = await readSchemaMeta(index, url);
  const types = new Map(schema?.columns.map((c) => [c.name, c.type]));
  const docs = await searchAll(index, url);
  return docs.map((d) => {
    const row: Record<string, unknown> = {};
    for (const c of schema?.columns ?? []) row[c.name] = null;
    for (const [k, v] of Object.entries(d.source)) row[k] = fromSource(types.get(k), v);
    return row;
  });
}

/** Plain JSON of a document's _source with numbers kept as their text (for exact comparisons). */
export function exact(source: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, isLosslessNumber(v) ? `#${String(v.value)}` : v]));
}

/** A logger that drops everything (bench/bulk.ts). */
export const quietLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The sink with `raw` options, validated and created as the runtime does. */
export function createSink(raw: Record<string, unknown>, logger: Logger = createTestLogger()): ElasticsearchDataSink {
  return elasticsearchSinkFactory.create(factoryContext(elasticsearchSinkFactory, raw, logger)) as ElasticsearchDataSink;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
