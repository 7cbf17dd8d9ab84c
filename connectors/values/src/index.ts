/**
 * @cdc/connector-values: the in-memory `values` source and sink, for tests and demos (like Flink CDC's values
 * connector). The registry imports `factories`; tests use ValuesDatabase and the helpers below.
 */
import type { Factory } from '@cdc/core';
import { valuesSink } from './values-sink.js';
import { valuesSource } from './values-source.js';

export { valuesSource } from './values-source.js';
export { valuesSink, formatEvent } from './values-sink.js';
export { ValuesDatabase, readOutputFile, type TableContent, type OutputTable, type ValuesOutput } from './values-database.js';
export {
  EventCompiler,
  EVENT_SETS,
  eventSpecToJsonLine,
  parseEventsText,
  parseJsonLines,
  toEventSpec,
  type AddColumnSpec,
  type ColumnSpec,
  type EventOp,
  type EventSpec,
  type RowSpec,
  type SchemaSpec,
  type SpecItem,
} from './event-spec.js';
export { EVENT_SET_IDS, SINK_OPTIONS, SOURCE_OPTIONS, parseFailurePoints, type EventSetId, type FailurePoint } from './options.js';

export const factories: readonly Factory[] = [valuesSource, valuesSink];
