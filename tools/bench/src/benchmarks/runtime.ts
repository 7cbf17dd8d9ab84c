/**
 * Runtime overhead: events/s of generated insert events through the whole runner (schema operator,
 * partitioner, writer channels, checkpoints) into a sink that drops them, as a ratio to a raw loop handing
 * the same batches to the same sink directly.
 */
import { column, DataTypes as T, defineSink, Events, schema, tableId, type Event } from '@cdc/core';
import { memoryLogger, parsePipelineYaml, preparePipeline, runPipeline, staticResolver } from '@cdc/runtime';
import { argNumber, type Benchmark } from '../bench.js';
import { generatorSource } from '../generator-source.js';

const table = tableId('bench', 'orders');
const tableSchema = schema({
  columns: [column('id', T.BIGINT()), column('name', T.VARCHAR(64)), column('price', T.DECIMAL(12, 2)), column('ts', T.TIMESTAMP(6))],
  primaryKeys: ['id'],
});
const BATCH = 1024;

function* batches(total: number): Generator<Event[]> {
  yield [Events.createTable(table, tableSchema)];
  for (let start = 0; start < total; start += BATCH) {
    const out: Event[] = [];
    for (let i = start; i < Math.min(total, start + BATCH); i++) out.push(Events.insert(table, [BigInt(i), `name-${i}`, `${i}.99`, '2024-01-02T03:04:05.123456']));
    yield out;
  }
}

export const runtimeBenchmark: Benchmark = {
  name: 'runtime',
  description: 'events/s through the runner vs a raw loop into the same sink (--events N, default 2000000)',
  async run(args, report) {
    const total = argNumber(args, 'events', 2_000_000);
    let sunk = 0;
    const sinkWrite = async (events: readonly Event[]) => {
      sunk += events.length;
    };

    // reference: the same batches handed straight to the sink
    let t0 = performance.now();
    for (const b of batches(total)) await sinkWrite(b);
    const rawRate = total / ((performance.now() - t0) / 1000);
    report({ name: 'raw loop', value: Math.round(rawRate), unit: 'events/s' });

    const source = generatorSource(table, tableSchema, () => batches(total));
    const sink = defineSink({
      identifier: 'bench-null',
      options: [],
      create: () => ({
        metadataApplier: () => ({ supportedSchemaChanges: ['create.table'], applySchemaChange: async () => undefined }),
        createWriter: () => ({ write: sinkWrite, prepareCommit: async () => undefined, close: async () => undefined }),
      }),
    });
    const def = parsePipelineYaml('source:\n  type: bench-gen\nsink:\n  type: bench-null\npipeline:\n  execution.checkpointing.interval: 1s\n');
    const prepared = await preparePipeline(def, staticResolver([source, sink]));
    sunk = 0;
    t0 = performance.now();
    const result = await runPipeline(prepared, { logger: memoryLogger() });
    const ours = total / ((performance.now() - t0) / 1000);
    if (sunk < total) throw new Error(`only ${sunk} of ${total} events reached the sink`);
    report({ name: 'runner', value: Math.round(ours), unit: 'events/s' });
    report({ name: 'checkpoints', value: result.checkpoints, unit: '' });
    return { figures: [], ratios: { runtime_vs_raw_loop: ours / rawRate } };
  },
};
