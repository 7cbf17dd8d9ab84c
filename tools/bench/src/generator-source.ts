/**
 * A `bench-gen` source for pipeline benchmarks: one table, its batches from a generator (the same generator the
 * benchmark's reference loop uses), a state per batch as a real source would carry.
 */
import { defineSource, type Event, type Schema, type SourceBatch, type TableId } from '@cdc/core';

export function generatorSource(table: TableId, tableSchema: Schema, batches: () => Iterable<Event[]>) {
  return defineSource({
    identifier: 'bench-gen',
    options: [],
    create: () => ({
      metadata: () => ({ listTables: async () => [table], getTableSchema: async () => tableSchema }),
      createReader: () => ({
        async *read(): AsyncIterable<SourceBatch> {
          let n = 0;
          for (const events of batches()) {
            n += events.length;
            const at = n;
            yield { events, state: () => ({ at }) };
          }
        },
        close: async () => undefined,
      }),
    }),
  });
}
