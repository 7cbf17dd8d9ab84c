import type { Column, Schema } from './schema.js';
import type { TableId } from './table-id.js';
import type { DataType } from './types/data-type.js';

/** A row: values aligned to the columns of the table's current schema (see data-type.ts for representations). */
export type RowData = readonly unknown[];

export type OperationType = 'INSERT' | 'UPDATE' | 'DELETE' | 'REPLACE';

export interface DataChangeEvent {
  readonly kind: 'data';
  readonly tableId: TableId;
  readonly op: OperationType;
  /** Row before the change: UPDATE and DELETE (may be partial when the source has no full before image). */
  readonly before: RowData | null;
  /** Row after the change: INSERT, UPDATE and REPLACE. */
  readonly after: RowData | null;
  /** Source metadata, e.g. `op_ts` (epoch millis as text), `file`, `pos`, `gtid`, `lsn`, `snapshot`. */
  readonly meta: Readonly<Record<string, string>>;
}

/** The schema change event types, named as Flink CDC names them (`include.schema.changes` uses these). */
export const SCHEMA_CHANGE_TYPES = [
  'create.table',
  'add.column',
  'drop.column',
  'rename.column',
  'alter.column.type',
  'truncate.table',
  'drop.table',
] as const;
export type SchemaChangeType = (typeof SCHEMA_CHANGE_TYPES)[number];

export interface CreateTableEvent {
  readonly kind: 'create.table';
  readonly tableId: TableId;
  readonly schema: Schema;
}

export type ColumnPosition = 'FIRST' | 'LAST' | 'BEFORE' | 'AFTER';

export interface AddedColumn {
  readonly column: Column;
  readonly position: ColumnPosition;
  /** The column that BEFORE/AFTER refer to. */
  readonly existingColumn?: string;
}

export interface AddColumnEvent {
  readonly kind: 'add.column';
  readonly tableId: TableId;
  readonly columns: readonly AddedColumn[];
}

export interface DropColumnEvent {
  readonly kind: 'drop.column';
  readonly tableId: TableId;
  readonly droppedColumnNames: readonly string[];
}

export interface RenameColumnEvent {
  readonly kind: 'rename.column';
  readonly tableId: TableId;
  /** old name -> new name */
  readonly nameMapping: Readonly<Record<string, string>>;
}

export interface AlterColumnTypeEvent {
  readonly kind: 'alter.column.type';
  readonly tableId: TableId;
  readonly typeMapping: Readonly<Record<string, DataType>>;
  readonly oldTypeMapping?: Readonly<Record<string, DataType>>;
}

export interface TruncateTableEvent {
  readonly kind: 'truncate.table';
  readonly tableId: TableId;
}

export interface DropTableEvent {
  readonly kind: 'drop.table';
  readonly tableId: TableId;
}

export type SchemaChangeEvent =
  | CreateTableEvent
  | AddColumnEvent
  | DropColumnEvent
  | RenameColumnEvent
  | AlterColumnTypeEvent
  | TruncateTableEvent
  | DropTableEvent;

/** Asks sinks to write out everything buffered for these tables (sent before a schema change is applied). */
export interface FlushEvent {
  readonly kind: 'flush';
  readonly tableIds: readonly TableId[];
  readonly reason: SchemaChangeType | 'checkpoint' | 'end';
}

export type Event = DataChangeEvent | SchemaChangeEvent | FlushEvent;

const NO_META: Readonly<Record<string, string>> = Object.freeze({});

/** Factory functions: events are immutable plain objects. */
export const Events = {
  insert: (tableId: TableId, after: RowData, meta: Readonly<Record<string, string>> = NO_META): DataChangeEvent => ({
    kind: 'data',
    tableId,
    op: 'INSERT',
    before: null,
    after,
    meta,
  }),
  update: (tableId: TableId, before: RowData | null, after: RowData, meta: Readonly<Record<string, string>> = NO_META): DataChangeEvent => ({
    kind: 'data',
    tableId,
    op: 'UPDATE',
    before,
    after,
    meta,
  }),
  delete: (tableId: TableId, before: RowData, meta: Readonly<Record<string, string>> = NO_META): DataChangeEvent => ({
    kind: 'data',
    tableId,
    op: 'DELETE',
    before,
    after: null,
    meta,
  }),
  replace: (tableId: TableId, after: RowData, meta: Readonly<Record<string, string>> = NO_META): DataChangeEvent => ({
    kind: 'data',
    tableId,
    op: 'REPLACE',
    before: null,
    after,
    meta,
  }),
  createTable: (tableId: TableId, schema: Schema): CreateTableEvent => ({ kind: 'create.table', tableId, schema }),
  addColumn: (tableId: TableId, columns: readonly AddedColumn[]): AddColumnEvent => ({ kind: 'add.column', tableId, columns }),
  addColumnLast: (tableId: TableId, ...columns: Column[]): AddColumnEvent => ({
    kind: 'add.column',
    tableId,
    columns: columns.map((column) => ({ column, position: 'LAST' as const })),
  }),
  dropColumn: (tableId: TableId, droppedColumnNames: readonly string[]): DropColumnEvent => ({ kind: 'drop.column', tableId, droppedColumnNames }),
  renameColumn: (tableId: TableId, nameMapping: Readonly<Record<string, string>>): RenameColumnEvent => ({ kind: 'rename.column', tableId, nameMapping }),
  alterColumnType: (
    tableId: TableId,
    typeMapping: Readonly<Record<string, DataType>>,
    oldTypeMapping?: Readonly<Record<string, DataType>>,
  ): AlterColumnTypeEvent =>
    oldTypeMapping ? { kind: 'alter.column.type', tableId, typeMapping, oldTypeMapping } : { kind: 'alter.column.type', tableId, typeMapping },
  truncateTable: (tableId: TableId): TruncateTableEvent => ({ kind: 'truncate.table', tableId }),
  dropTable: (tableId: TableId): DropTableEvent => ({ kind: 'drop.table', tableId }),
  flush: (tableIds: readonly TableId[], reason: FlushEvent['reason']): FlushEvent => ({ kind: 'flush', tableIds, reason }),
} as const;

export function isDataChange(e: Event): e is DataChangeEvent {
  return e.kind === 'data';
}

export function isSchemaChange(e: Event): e is SchemaChangeEvent {
  return e.kind !== 'data' && e.kind !== 'flush';
}

/** The same event for another table (used by route). */
export function withTableId<E extends Event>(e: E, id: TableId): E {
  if (e.kind === 'flush') return e;
  return { ...e, tableId: id };
}
