/**
 * Stream load labels. Doris and StarRocks accept `[-_A-Za-z0-9:]{1,128}`; a label is unique per database
 * until its job is cleaned, so a retry with the same label never loads twice.
 */
const BAD = /[^-_A-Za-z0-9:]/g;

export function labelPart(s: string): string {
  return s.replace(BAD, '_');
}

export interface LabelParts {
  readonly prefix: string;
  readonly db: string;
  readonly table: string;
  readonly subtask: number;
  readonly checkpoint: number;
  readonly n: number;
  /** Present for at-least-once labels: a per-run suffix, so a replay after a restart is never mistaken for a retry. */
  readonly run?: string;
}

/** `<prefix>-<db>_<table>-<subtask>-<checkpoint>-<n>[-<run>]`, shortened with a hash when longer than 128. */
export function makeLabel(p: LabelParts): string {
  const tail = `-${p.subtask}-${p.checkpoint}-${p.n}${p.run ? `-${p.run}` : ''}`;
  let head = `${labelPart(p.prefix)}-${labelPart(p.db)}_${labelPart(p.table)}`;
  if (head.length + tail.length > 128) head = `${head.slice(0, 128 - tail.length - 9)}_${hash(head)}`;
  return head + tail;
}

/** The label head (prefix + table) the recovery scans for. */
export function labelHead(prefix: string, db: string, table: string): string {
  return makeLabel({ prefix, db, table, subtask: 0, checkpoint: 0, n: 0 }).replace(/-0-0-0$/, '');
}

function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
