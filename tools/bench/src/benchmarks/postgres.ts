/**
 * The `postgres` source against the PostgreSQL of tools/services (started if needed), each figure with a
 * reference measured in the same run (the work is in connectors/postgres/bench/bench-lib.ts):
 * - postgres-snapshot: rows/s of a snapshot of cdc_pg_bench.snapshot_mix vs `psql -c "COPY (SELECT ...) TO STDOUT"`
 *   to /dev/null; peak RSS of the process running only the reader.
 * - postgres-stream: change events/s of the reader streaming N changes from a slot vs `pg_recvlogical` (pgoutput,
 *   same publication) reading the same WAL range from a twin slot to /dev/null; peak RSS.
 */
import { snapshotBenchmark, streamBenchmark } from '../../../../connectors/postgres/bench/bench-lib.js';
import { argNumber, type Benchmark } from '../bench.js';

const log = (line: string) => process.stdout.write(`# ${line}\n`);

export const postgresSnapshotBenchmark: Benchmark = {
  name: 'postgres-snapshot',
  description: 'postgres source snapshot rows/s vs `psql -c "COPY (SELECT ...) TO STDOUT"` to /dev/null, peak RSS (--rows N, default 5000000; --parallelism P, default 1; --runs R, default 3: the best run of each side)',
  async run(args, report) {
    const rows = argNumber(args, 'rows', 5_000_000);
    const parallelism = argNumber(args, 'parallelism', 1);
    const runs = argNumber(args, 'runs', 3);
    const f = await snapshotBenchmark({ rows, parallelism, runs, log });
    report({ name: 'table', value: f.tableMb, unit: `MB (${rows.toLocaleString('en-US')} rows, 10 columns)` });
    report({ name: 'psql COPY TO STDOUT > /dev/null', value: Math.round(f.rawRate), unit: `rows/s (${f.rawSecs.toFixed(1)} s)` });
    report({ name: `postgres source snapshot (parallelism ${parallelism})`, value: Math.round(f.oursRate), unit: `rows/s (${f.oursSecs.toFixed(1)} s)` });
    report({ name: 'CPU time of the reader process per row', value: Math.round((f.oursCpuSecs / rows) * 1e9) / 1000, unit: `µs (${f.oursCpuSecs.toFixed(1)} s)` });
    report({ name: 'peak RSS of the snapshot process', value: f.oursPeakRssMb, unit: 'MB' });
    return {
      figures: [],
      ratios: { snapshot_vs_psql_copy: f.oursRate / f.rawRate, rss_limit_200mb_over_peak_rss: 200 / f.oursPeakRssMb },
      targets: { snapshot_vs_psql_copy: 0.8, rss_limit_200mb_over_peak_rss: 1 },
    };
  },
};

export const postgresStreamBenchmark: Benchmark = {
  name: 'postgres-stream',
  description: 'postgres source streaming change events/s vs `pg_recvlogical` (pgoutput) to /dev/null, peak RSS (--changes N, default 2000000)',
  async run(args, report) {
    const changes = argNumber(args, 'changes', 2_000_000);
    const f = await streamBenchmark({ changes, log });
    report({ name: 'WAL range', value: f.walMb, unit: `MB (${changes.toLocaleString('en-US')} row changes)` });
    report({ name: 'pg_recvlogical > /dev/null', value: Math.round(f.refRate), unit: `changes/s (${f.refSecs.toFixed(1)} s)` });
    report({ name: 'postgres source (events)', value: Math.round(f.oursRate), unit: `changes/s (${f.oursSecs.toFixed(1)} s)` });
    report({ name: 'CPU time of the reader process per change', value: Math.round((f.oursCpuSecs / changes) * 1e9) / 1000, unit: `µs (${f.oursCpuSecs.toFixed(1)} s)` });
    report({ name: 'peak RSS of the streaming process', value: f.oursPeakRssMb, unit: 'MB' });
    return {
      figures: [],
      ratios: { stream_vs_pg_recvlogical: f.oursRate / f.refRate, rss_limit_200mb_over_peak_rss: 200 / f.oursPeakRssMb },
      targets: { stream_vs_pg_recvlogical: 0.7, rss_limit_200mb_over_peak_rss: 1 },
    };
  },
};
