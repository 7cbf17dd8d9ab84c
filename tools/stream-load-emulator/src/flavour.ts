/**
 * Which system the emulator plays (Doris or StarRocks) and which version: the behaviours that differ between
 * versions are switched here, in one place.
 */
export type FlavourKind = 'doris' | 'starrocks';

export interface Flavour {
  readonly kind: FlavourKind;
  /** e.g. `2.1.7` for Doris, `3.3.5` for StarRocks */
  readonly version: string;
  readonly major: number;
  readonly minor: number;
}

export const DEFAULT_VERSIONS: Record<FlavourKind, string> = { doris: '2.1.7', starrocks: '3.3.5' };
export const SUPPORTED_MAJORS: Record<FlavourKind, readonly number[]> = { doris: [1, 2, 3], starrocks: [2, 3] };

export function flavour(kind: FlavourKind, version: string = DEFAULT_VERSIONS[kind]): Flavour {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(version);
  if (!m) throw new Error(`${kind} version must look like 2.1.7, got ${JSON.stringify(version)}`);
  const major = Number(m[1]);
  if (!SUPPORTED_MAJORS[kind].includes(major)) throw new Error(`${kind} ${version} is not emulated (majors: ${SUPPORTED_MAJORS[kind].join(', ')})`);
  return { kind, version, major, minor: Number(m[2]) };
}

/** The MariaDB database that stores database `db` of this flavour. */
export function storageDb(f: Flavour, db: string): string {
  return `${f.kind === 'doris' ? 'cdc_doris__' : 'cdc_sr__'}${db}`;
}

/** The MariaDB database with the emulator's own catalog (table models, labels). */
export function systemDb(f: Flavour): string {
  return f.kind === 'doris' ? 'cdc_doris_sys' : 'cdc_sr_sys';
}

/** Which behaviours this version has. */
export const features = (f: Flavour) => ({
  /** StarRocks transaction stream load API (/api/transaction/*) exists from 2.4. */
  transactionApi: f.kind === 'starrocks' && (f.major > 2 || f.minor >= 4),
  /** Doris 2PC abort by label (without txn_id) from 2.0. */
  abortByLabel: f.kind === 'doris' ? f.major >= 2 : true,
  /** Doris 1.2 needs light_schema_change=true for RENAME COLUMN; 2.x defaults it to true. */
  lightSchemaChangeDefault: f.kind === 'doris' ? f.major >= 2 : true,
  /** Doris < 2.1 and StarRocks 2.x require an explicit BUCKETS count. */
  autoBuckets: f.kind === 'doris' ? f.major > 2 || (f.major === 2 && f.minor >= 1) : f.major >= 3,
  /** StarRocks 3.x may omit DISTRIBUTED BY. */
  optionalDistribution: f.kind === 'starrocks' && f.major >= 3,
  /** Doris 2.1+ unique key tables default to merge-on-write. */
  mergeOnWriteDefault: f.kind === 'doris' && (f.major > 2 || (f.major === 2 && f.minor >= 1)),
  /** Doris 2.x+ prefixes data quality failures. */
  dataQualityPrefix: f.kind === 'doris' && f.major >= 2,
  /** StarRocks supports RENAME COLUMN from 3.3. */
  renameColumn: f.kind === 'doris' || f.major > 3 || (f.major === 3 && f.minor >= 3),
});
