/**
 * Commits the pre-committed stream loads of a checkpoint once it is durable (2PC). On start it aborts what a
 * crashed run pre-committed after its last checkpoint: for every table the restored committables name, labels
 * of the next checkpoint (n = 0, 1, ...) still PRECOMMITTED are aborted.
 */
import { isCdcError, type Committer, type JsonValue, type Logger } from '@cdc/core';
import { makeLabel } from './stream-load/labels.js';
import { endLeftoverLoads } from './stream-load/leftovers.js';
import type { DorisHttp } from './doris-http.js';
import type { DorisCommittable } from './doris-loader.js';

export class DorisCommitter implements Committer {
  constructor(
    private readonly http: DorisHttp,
    private readonly logger: Logger,
    private readonly onRestored: (checkpointId: number) => void,
  ) {}

  async commit(committables: readonly JsonValue[], _checkpointId: number): Promise<void> {
    for (const c of committables as unknown as DorisCommittable[]) {
      for (const t of c.txns ?? []) await this.http.commit(t.db, t.txnId, t.label);
    }
  }

  async recover(restored: { checkpointId: number; committables: readonly JsonValue[] } | undefined): Promise<void> {
    if (!restored) return;
    this.onRestored(restored.checkpointId);
    for (const c of restored.committables as unknown as DorisCommittable[]) {
      for (const t of c.tables ?? []) {
        await endLeftoverLoads({
          labelAt: (n) => makeLabel({ prefix: c.labelPrefix, db: t.db, table: t.table, subtask: c.subtask, checkpoint: restored.checkpointId + 1, n }),
          from: 0,
          state: (label) =>
            this.http.loadState(t.db, label).catch((e: unknown) => {
              this.logger.warn(`[doris] cannot read the state of label ${label}: ${isCdcError(e) ? e.reason : String(e)}`);
              return 'UNKNOWN';
            }),
          pending: ['PRECOMMITTED', 'PREPARE'],
          end: async (label) => {
            this.logger.info(`[doris] aborting leftover pre-committed load ${label} of ${t.db}.${t.table}`);
            await this.http.abort(t.db, { label, table: t.table });
          },
        });
      }
    }
  }
}
