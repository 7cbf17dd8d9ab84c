/** Builds contexts the way the runtime does (options validated with the factory's specs) and a tiny pipeline loop. */
import { isSchemaChange, validateOptions, type DataSink, type DataSource, type Event, type JsonValue, type Logger, type PipelineInfo, type SinkWriter, type SourceReader } from '@cdc/core';
import { valuesSink, valuesSource } from '../src/index.js';

export const pipeline: PipelineInfo = { name: 'values-test', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'evolve' };

export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function source(raw: Record<string, unknown>): DataSource {
  const { options } = validateOptions({ owner: 'values', section: 'source', specs: valuesSource.options, raw });
  return valuesSource.create({ identifier: 'values', options, pipeline, logger: memoryLogger() });
}

export function sink(raw: Record<string, unknown>): DataSink {
  const { options } = validateOptions({ owner: 'values', section: 'sink', specs: valuesSink.options, raw });
  return valuesSink.create({ identifier: 'values', options, pipeline, logger: memoryLogger() });
}

export async function reader(src: DataSource, restoredState?: JsonValue, signal: AbortSignal = new AbortController().signal): Promise<SourceReader> {
  return src.createReader({
    ...(restoredState === undefined ? {} : { restoredState }),
    signal,
    logger: memoryLogger(),
    pipeline,
    metrics: { snapshotProgress: () => undefined, eventTime: () => undefined },
  });
}

export async function writer(s: DataSink, subtask = 0, parallelism = 1): Promise<SinkWriter> {
  return s.createWriter({ subtask, parallelism, signal: new AbortController().signal, logger: memoryLogger(), pipeline });
}

/** Every batch of a bounded reader: events and the state after each batch. */
export async function readAll(r: SourceReader): Promise<{ events: Event[]; states: JsonValue[]; sizes: number[] }> {
  const events: Event[] = [];
  const states: JsonValue[] = [];
  const sizes: number[] = [];
  for await (const b of r.read()) {
    events.push(...b.events);
    sizes.push(b.events.length);
    if (b.state) states.push(b.state());
  }
  return { events, states, sizes };
}

/** Source events into a sink as the runtime would: schema changes through the applier, then to the writer. */
export async function pipe(events: readonly Event[], s: DataSink, w?: SinkWriter): Promise<SinkWriter> {
  const applier = s.metadataApplier();
  const out = w ?? (await writer(s));
  for (const e of events) {
    if (isSchemaChange(e)) await applier.applySchemaChange(e, new AbortController().signal);
    await out.write([e]);
  }
  return out;
}

/** The error a promise or function rejects/throws with (fails when it does not). */
export async function caught(fn: () => unknown): Promise<Error & { code?: string; reason?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected an error, none was thrown');
}
