/**
 * Child process of the benchmarks: runs one `postgres` source reader (snapshot mode over a table, or the stream
 * of an existing slot from its confirmed position) until it has emitted the expected number of data events,
 * then prints {events, secs, peakRssMb} as JSON.
 */
import { readFileSync } from 'node:fs';
import { validateOptions, type SourceReaderContext } from '@cdc/core';
import { postgresConfig } from '@cdc/services';
import { postgresSourceFactory } from '../src/index.js';
import { BENCH_DB } from './bench-lib.js';
import { tuneV8ForPipelines } from '@cdc/runtime';

// the V8 settings of the cdc CLI: measure what a pipeline process runs
tuneV8ForPipelines();

const job = JSON.parse(process.argv[2]) as { kind: 'snapshot' | 'stream'; table: string; slot?: string; expect: number; parallelism?: number };
const c = postgresConfig();
const raw = {
  hostname: c.host,
  port: c.port,
  username: c.user,
  password: c.password,
  tables: `${BENCH_DB}.public.${job.table}`,
  'slot.name': job.slot ?? 'cdc_pg_bench_snapshot',
  'debezium.publication.name': 'cdc_pg_bench_pub',
  'debezium.publication.autocreate.mode': 'disabled',
  'scan.startup.mode': job.kind === 'snapshot' ? 'snapshot' : 'committed-offset',
};
const { options } = validateOptions({ owner: 'postgres', specs: postgresSourceFactory.options, prefixes: postgresSourceFactory.passThroughPrefixes, raw });
const logger = { debug: () => undefined, info: () => undefined, warn: (m: string) => process.stderr.write(`warn: ${m}\n`), error: (m: string) => process.stderr.write(`error: ${m}\n`) };
const source = postgresSourceFactory.create({ identifier: 'postgres', options, pipeline: { name: 'bench', parallelism: job.parallelism ?? 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' }, logger });
const ac = new AbortController();
const ctx: SourceReaderContext = {
  signal: ac.signal,
  logger,
  metrics: { snapshotProgress: () => undefined, eventTime: () => undefined },
  pipeline: { name: 'bench', parallelism: job.parallelism ?? 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' },
};
const reader = await source.createReader(ctx);
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
let events = 0;
for await (const b of reader.read()) {
  for (const e of b.events) if (e.kind === 'data') events++;
  if (events >= job.expect) break;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const cu = process.cpuUsage(c0);
const cpuSecs = (cu.user + cu.system) / 1e6;
ac.abort();
await reader.close();
const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(`${JSON.stringify({ events, secs, cpuSecs, peakRssMb: m ? Math.round(Number(m[1]) / 1024) : -1 })}\n`);
process.exit(0);
