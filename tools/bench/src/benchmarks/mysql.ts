/**
 * The `mysql` source against the MariaDB of tools/services (started if needed), each figure with a reference
 * measured in the same run:
 * - mysql-snapshot: rows/s of the source's snapshot of a table with a mix of types (cdc_mysql_bench.snapshot_mix,
 *   created by the benchmark only) vs `mariadb -e 'SELECT ...' > /dev/null`; peak RSS of the process doing the
 *   snapshot (a child process running only the source reader).
 * - mysql-binlog: row changes/s of the source reading a range of the binlog (inserts, updates, deletes) vs
 *   `mariadb-binlog --read-from-remote-server -v` decoding the same range to /dev/null; our decoder alone too.
 * The work is in connectors/mysql/bench (also runnable alone there).
 */
import { expectedChanges, mariadbBinlog, ours, prepare, sourceReader } from '../../../../connectors/mysql/bench/binlog-decode.js';
import { snapshotBenchmark } from '../../../../connectors/mysql/bench/snapshot.js';
import { argNumber, type Benchmark } from '../bench.js';

export const mysqlSnapshotBenchmark: Benchmark = {
  name: 'mysql-snapshot',
  description:
    'mysql source snapshot rows/s vs `mariadb -e SELECT` to /dev/null, peak RSS (--rows N, default 5000000; --parallelism P, default 1; --runs R, default 1; --max-old-space-mb M: V8 heap limit of the snapshot process, default none)',
  async run(args, report) {
    const rows = argNumber(args, 'rows', 5_000_000);
    const parallelism = argNumber(args, 'parallelism', 1);
    const runs = argNumber(args, 'runs', 1);
    const maxOldSpaceMb = args.includes('--max-old-space-mb') ? argNumber(args, 'max-old-space-mb', 0) : undefined;
    const f = await snapshotBenchmark({ rows, parallelism, runs, ...(maxOldSpaceMb ? { maxOldSpaceMb } : {}), log: (line) => process.stdout.write(`# ${line}\n`) });
    report({ name: 'table', value: f.tableMb, unit: `MB (${rows.toLocaleString('en-US')} rows, 12 columns)` });
    report({ name: 'mariadb -e SELECT > /dev/null', value: Math.round(f.rawRate), unit: `rows/s (${f.rawSecs.toFixed(1)} s)` });
    report({ name: `mysql source snapshot (parallelism ${parallelism})`, value: Math.round(f.oursRate), unit: `rows/s (${f.oursSecs.toFixed(1)} s)` });
    report({ name: 'CPU time of the snapshot process', value: Math.round(f.oursCpuSecs * 10) / 10, unit: 's' });
    report({ name: `peak RSS of the snapshot process${maxOldSpaceMb ? ` (--max-old-space-size=${maxOldSpaceMb})` : ''}`, value: f.oursPeakRssMb, unit: 'MB' });
    return {
      figures: [],
      ratios: { snapshot_vs_mariadb_client: f.oursRate / f.rawRate, rss_limit_200mb_over_peak_rss: 200 / f.oursPeakRssMb },
      targets: { snapshot_vs_mariadb_client: 0.8, rss_limit_200mb_over_peak_rss: 1 },
    };
  },
};

export const mysqlBinlogBenchmark: Benchmark = {
  name: 'mysql-binlog',
  description: 'mysql source binlog row changes/s vs `mariadb-binlog --read-from-remote-server -v` to /dev/null (--changes N, default 2000000; --runs R, default 1)',
  async run(args, report) {
    const changes = argNumber(args, 'changes', 2_000_000);
    const runs = argNumber(args, 'runs', 1);
    process.stdout.write(`# writing ${changes.toLocaleString('en-US')} row changes to cdc_mysql_bench.t\n`);
    const range = await prepare(changes);
    if (range.endFile !== range.file) throw new Error(`the changes span ${range.file}..${range.endFile}: run again (the binlog rotated)`);
    const expected = expectedChanges(changes);
    report({ name: 'binlog range', value: Math.round((range.end - range.start) / 1e5) / 10, unit: `MB (${expected.toLocaleString('en-US')} row changes)` });
    let ref = Infinity;
    let decoder = Infinity;
    let source = Infinity;
    for (let r = 0; r < runs; r++) {
      ref = Math.min(ref, await mariadbBinlog(range.file, range.start, range.end));
      decoder = Math.min(decoder, await ours(range.file, range.start, expected));
      source = Math.min(source, await sourceReader(range.file, range.start, expected));
    }
    report({ name: 'mariadb-binlog -v > /dev/null', value: Math.round(expected / ref), unit: `row changes/s (${ref.toFixed(1)} s)` });
    report({ name: 'our binlog decoder alone', value: Math.round(expected / decoder), unit: `row changes/s (${decoder.toFixed(1)} s)` });
    report({ name: 'mysql source (events)', value: Math.round(expected / source), unit: `row changes/s (${source.toFixed(1)} s)` });
    return {
      figures: [],
      ratios: { binlog_source_vs_mariadb_binlog: ref / source, binlog_decoder_vs_mariadb_binlog: ref / decoder },
      targets: { binlog_source_vs_mariadb_binlog: 0.7 },
    };
  },
};
