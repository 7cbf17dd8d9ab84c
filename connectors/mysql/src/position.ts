/** Binlog positions: file + offset, ordered by the file's sequence number. */
export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
}

function seq(file: string): number {
  const m = /(\d+)$/.exec(file);
  return m ? Number(m[1]) : 0;
}

export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  return seq(a.file) - seq(b.file) || a.pos - b.pos;
}

export function formatPosition(p: BinlogPosition): string {
  return `${p.file}:${p.pos}`;
}
