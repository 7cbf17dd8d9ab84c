/**
 * The `kafka` sink against the broker of tools/services/kafka (started if needed): events/s of N generated
 * change events (inserts of a 4-column row, as the values source makes them, without its JSON parsing)
 * through the whole runner into Kafka (debezium-json values, json keys, acks=all, at-least-once), as a ratio
 * to Kafka's own ProducerPerformance (kafka-producer-perf-test, kafka-tools from Maven) sending the same
 * number of records of the same average size (key + value) with its default producer settings, same run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { column, DataTypes as T, Events, schema, tableId, type Event } from '@cdc/core';
import { memoryLogger, parsePipelineYaml, preparePipeline, runPipeline, staticResolver } from '@cdc/runtime';
import { kafkaSinkFactory, tableCodec, DEFAULT_ENCODING } from '../../../../connectors/kafka/src/index.js';
import { argNumber, type Benchmark } from '../bench.js';
import { generatorSource } from '../generator-source.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', '..');
const script = join(root, 'tools', 'services', 'kafka');
const BOOTSTRAP = `127.0.0.1:${process.env.CDC_KAFKA_PORT ?? 19092}`;
const DB = 'cdc_kafka_bench';
let table = tableId(DB, 'orders');
const tableSchema = schema({
  columns: [column('id', T.BIGINT(false)), column('name', T.VARCHAR(64)), column('price', T.DECIMAL(12, 2)), column('ts', T.TIMESTAMP(6))],
  primaryKeys: ['id'],
});
const BATCH = 1024;
const row = (i: number) => [BigInt(i), `name-${i}`, `${i % 100000}.99`, '2024-01-02T03:04:05.123456'];

function* batches(total: number): Generator<Event[]> {
  yield [Events.createTable(table, tableSchema)];
  for (let start = 0; start < total; start += BATCH) {
    const out: Event[] = [];
    for (let i = start; i < Math.min(total, start + BATCH); i++) out.push(Events.insert(table, row(i), { op_ts: '1700000000000' }));
    yield out;
  }
}

/** Average key + value bytes of the records the sink writes for these events (exact: every event measured). */
function averageRecordSize(total: number): number {
  const codec = tableCodec(table, tableSchema, { valueFormat: 'debezium-json', keyFormat: 'json', valueEncoding: DEFAULT_ENCODING, keyEncoding: DEFAULT_ENCODING, includeSchema: false });
  let bytes = 0;
  const now = Date.now();
  for (let i = 0; i < total; i++) {
    const e = Events.insert(table, row(i), { op_ts: '1700000000000' });
    bytes += Buffer.byteLength(codec.value(e, now)) + Buffer.byteLength(codec.key(e));
  }
  return Math.round(bytes / total);
}

/** Kafka's own kafka-topics (TopicCommand from the same jars), e.g. to delete the benchmark's topics. */
function topics(...args: string[]): void {
  execFileSync('bash', [script, 'run-class', 'org.apache.kafka.tools.TopicCommand', '--bootstrap-server', BOOTSTRAP, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function producerPerformance(topic: string, records: number, size: number): Promise<{ rate: number; line: string }> {
  const args = [script, 'run-class', 'org.apache.kafka.tools.ProducerPerformance', '--topic', topic, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1', '--producer-props', `bootstrap.servers=${BOOTSTRAP}`, 'acks=all'];
  return new Promise((resolve, reject) => {
    execFile('bash', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const line = String(stdout).trim().split('\n').filter((l) => l.includes(`${records} records sent`)).pop();
      const m = line && /records sent, ([\d.]+) records\/sec/.exec(line);
      if (err || !m) reject(new Error(`ProducerPerformance failed: ${String(err ?? '')}\n${String(stdout)}${String(stderr)}`));
      else resolve({ rate: Number(m[1]), line: line! });
    });
  });
}

export const kafkaBenchmark: Benchmark = {
  name: 'kafka',
  description: 'kafka sink events/s (runner + debezium-json into Kafka) vs kafka-producer-perf-test, same count and record size (--events N, default 2000000; --runs R, default 1: best of R alternating runs)',
  async run(args, report) {
    const total = argNumber(args, 'events', 2_000_000);
    execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
    // fresh topics (created on first use, 1 partition), deleted at the end: 2M records are ~1 GB of log
    const run = Date.now().toString(36);
    const ours = `${DB}.orders_${run}`;
    const ref = `${DB}.perf_reference_${run}`;
    table = tableId(DB, `orders_${run}`);
    const size = averageRecordSize(total);
    report({ name: 'average record size (key + value)', value: size, unit: 'bytes' });

    const source = generatorSource(table, tableSchema, () => batches(total));
    const def = parsePipelineYaml(
      `source:\n  type: bench-gen\nsink:\n  type: kafka\n  properties.bootstrap.servers: ${BOOTSTRAP}\n  value.format: debezium-json\n  key.format: json\npipeline:\n  name: kafka bench\n  execution.checkpointing.interval: 5s\n`,
    );
    const prepared = await preparePipeline(def, staticResolver([source, kafkaSinkFactory]));
    // --runs R alternates ours and the reference R times (a shared machine is noisy): best of each
    const runs = argNumber(args, 'runs', 1);
    let oursRate = 0;
    let refRate = 0;
    try {
      for (let r = 1; r <= runs; r++) {
        const t0 = performance.now();
        await runPipeline(prepared, { logger: memoryLogger() });
        const secs = (performance.now() - t0) / 1000;
        oursRate = Math.max(oursRate, total / secs);
        report({ name: `cdc kafka sink (runner + debezium-json, acks=all)${runs > 1 ? ` run ${r}` : ''}`, value: Math.round(total / secs), unit: `events/s (${secs.toFixed(1)} s)` });
        const perf = await producerPerformance(ref, total, size);
        refRate = Math.max(refRate, perf.rate);
        report({ name: `kafka-producer-perf-test (ProducerPerformance, acks=all)${runs > 1 ? ` run ${r}` : ''}`, value: Math.round(perf.rate), unit: 'records/s' });
        process.stdout.write(`# ${perf.line}\n`);
      }
    } finally {
      topics('--delete', '--if-exists', '--topic', `${DB}\\..*_${run}`);
    }
    return { figures: [], ratios: { kafka_sink_vs_producer_perf_test: oursRate / refRate }, targets: { kafka_sink_vs_producer_perf_test: 0.5 } };
  },
};
