/**
 * Ending the loads a crashed run left pre-committed. Labels are numbered per table and checkpoint
 * (`…-<checkpoint>-<n>`, see labels.ts) and used in order, so the labels from `from` on are probed one by one
 * until the server does not know one; each still pending is ended (Doris: abort, StarRocks: rollback).
 */

/** More loads than this for one table in one checkpoint would mean a runaway writer, not leftovers. */
const MAX_LABELS_PER_CHECKPOINT = 10_000;

export interface LeftoverScan {
  /** The label of load number `n` of the table and checkpoint being scanned. */
  readonly labelAt: (n: number) => string;
  /** The first load number that may be a leftover. */
  readonly from: number;
  /** The label's state as the server reports it; `UNKNOWN` ends the scan. */
  readonly state: (label: string) => Promise<string>;
  /** States that mean "pre-committed, neither committed nor aborted". */
  readonly pending: readonly string[];
  readonly end: (label: string) => Promise<void>;
}

/** Returns how many leftovers were ended. */
export async function endLeftoverLoads(scan: LeftoverScan): Promise<number> {
  let ended = 0;
  for (let n = scan.from; n < scan.from + MAX_LABELS_PER_CHECKPOINT; n++) {
    const label = scan.labelAt(n);
    const state = await scan.state(label);
    if (state === 'UNKNOWN') break;
    if (scan.pending.includes(state)) {
      await scan.end(label);
      ended++;
    }
  }
  return ended;
}
