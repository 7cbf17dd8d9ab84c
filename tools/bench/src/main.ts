/**
 * `npm run bench -- <name> [args]`: runs one benchmark, prints each figure as it comes, then one JSON line
 * with the ratios (ours / reference measured in the same run) and the machine.
 */
import { cpus, totalmem } from 'node:os';
import { peakRssMb, type Benchmark } from './bench.js';
import { mysqlBinlogBenchmark, mysqlSnapshotBenchmark } from './benchmarks/mysql.js';
import { kafkaBenchmark } from './benchmarks/kafka.js';
import { elasticsearchBenchmark } from './benchmarks/elasticsearch.js';
import { postgresSnapshotBenchmark, postgresStreamBenchmark } from './benchmarks/postgres.js';
import { runtimeBenchmark } from './benchmarks/runtime.js';
import { dorisBenchmark } from './benchmarks/doris.js';
import { tuneV8ForPipelines } from '@cdc/runtime';

// the V8 settings of the cdc CLI: measure what a pipeline process runs
tuneV8ForPipelines();

const BENCHMARKS: readonly Benchmark[] = [runtimeBenchmark, mysqlSnapshotBenchmark, mysqlBinlogBenchmark, kafkaBenchmark, elasticsearchBenchmark, postgresSnapshotBenchmark, postgresStreamBenchmark, dorisBenchmark];

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const bench = BENCHMARKS.find((b) => b.name === name);
  if (!bench) {
    process.stderr.write(`usage: npm run bench -- <name> [args]\n\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(12)} ${b.description}`).join('\n')}\n`);
    return name ? 2 : 0;
  }
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memGb: Math.round(totalmem() / 1024 ** 3), node: process.version };
  process.stdout.write(`# ${bench.name}: ${bench.description}\n# machine: ${machine.cpus} cores (${machine.cpu}), ${machine.memGb} GB, node ${machine.node}\n`);
  const result = await bench.run(args, (f) => process.stdout.write(`${f.name}: ${f.value.toLocaleString('en-US')}${f.unit ? ` ${f.unit}` : ''}\n`));
  const ratios = Object.fromEntries(Object.entries(result.ratios).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  process.stdout.write(JSON.stringify({ benchmark: bench.name, ratios, targets: result.targets ?? {}, peakRssMb: await peakRssMb(), machine }) + '\n');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
