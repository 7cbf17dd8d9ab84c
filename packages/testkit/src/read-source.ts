/**
 * Drives a source's reader the way the runtime does, for a connector's own tests: createReader (with a restored
 * state or not), batches in order, the state after each batch, until a condition holds or the source ends.
 */
import type { DataSource, Event, JsonValue, Logger, SourceReader } from '@cdc/core';
import { createTestLogger, TEST_PIPELINE } from './context.js';

export interface ReadSourceOptions {
  /** The pipeline parallelism the reader sees (default 1). */
  readonly parallelism?: number;
  readonly restoredState?: JsonValue;
  /** Default: a fresh `createTestLogger()`. */
  readonly logger?: Logger;
  /** Stop after the batch that makes this true (checked after `onBatch`). */
  readonly until?: (events: Event[]) => boolean;
  /** Stop after a batch that carries a state when this is true (to take a state mid-snapshot, say). */
  readonly stopAfterState?: (events: Event[]) => boolean;
  /** Called with the reader once it is created, before the first read. */
  readonly onReader?: (reader: SourceReader) => void;
  /** Called after each batch: its number (from 1), all events so far, the reader, the state so far. */
  readonly onBatch?: (n: number, events: Event[], reader: SourceReader, state: JsonValue | undefined) => Promise<void> | void;
  /** Fail after this long (default 30 s), saying how many events came and the last ones. */
  readonly timeoutMs?: number;
}

export interface ReadSourceResult {
  readonly events: Event[];
  /** The state of the last batch that carried one: where a restart would resume. */
  readonly state: JsonValue | undefined;
  readonly batches: number;
  /** Closed by then. */
  readonly reader: SourceReader;
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));

/** Reads `source` until `until` holds or it ends; the reader is aborted and closed after, whatever happened. */
export async function readSource(source: DataSource, opts: ReadSourceOptions = {}): Promise<ReadSourceResult> {
  const ac = new AbortController();
  const reader = await source.createReader({
    ...(opts.restoredState !== undefined ? { restoredState: opts.restoredState } : {}),
    signal: ac.signal,
    logger: opts.logger ?? createTestLogger(),
    metrics: { snapshotProgress: () => undefined, eventTime: () => undefined },
    pipeline: { ...TEST_PIPELINE, parallelism: opts.parallelism ?? 1 },
  });
  opts.onReader?.(reader);
  const events: Event[] = [];
  let state: JsonValue | undefined;
  let batches = 0;
  const timeout = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const run = (async () => {
    for await (const b of reader.read()) {
      batches++;
      events.push(...b.events);
      if (b.state) state = b.state();
      await opts.onBatch?.(batches, events, reader, state);
      if (opts.stopAfterState && b.state && opts.stopAfterState(events)) break;
      if (opts.until?.(events)) break;
    }
  })();
  try {
    await Promise.race([
      run,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reader did not finish within ${timeout} ms; ${events.length} events so far: ${json(events.slice(-3))}`)), timeout);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    ac.abort();
    await reader.close();
  }
  return { events, state, batches, reader };
}
