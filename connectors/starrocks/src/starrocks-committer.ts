/**
 * Exactly-once: commits the prepared transactions of a checkpoint once it is durable; on start rolls back what
 * a crashed run prepared for the next checkpoint (labels of every table the restored committables name).
 */
import { isCdcError, type Committer, type JsonValue, type Logger } from '@cdc/core';
import { endLeftoverLoads, makeLabel } from '@cdc/connector-doris/stream-load';
import type { StarRocksHttp } from './starrocks-http.js';
import type { StarRocksCommittable } from './starrocks-loader.js';

export class StarRocksCommitter implements Committer {
  constructor(
    private readonly http: StarRocksHttp,
    private readonly logger: Logger,
    private readonly onRestored: (checkpointId: number) => void,
  ) {}

  async commit(committables: readonly JsonValue[], _checkpointId: number): Promise<void> {
    for (const c of committables as unknown as StarRocksCommittable[]) for (const t of c.txns ?? []) await this.http.commit(t.db, t.label);
  }

  async recover(restored: { checkpointId: number; committables: readonly JsonValue[] } | undefined): Promise<void> {
    if (!restored) return;
    this.onRestored(restored.checkpointId);
    for (const c of restored.committables as unknown as StarRocksCommittable[]) {
      for (const t of c.tables ?? []) {
        await endLeftoverLoads({
          labelAt: (n) => makeLabel({ prefix: c.labelPrefix, db: t.db, table: t.table, subtask: c.subtask, checkpoint: restored.checkpointId + 1, n }),
          from: 0,
          state: (label) =>
            this.http.loadState(t.db, label).catch((e: unknown) => {
              this.logger.warn(`[starrocks] cannot read the state of label ${label}: ${isCdcError(e) ? e.reason : String(e)}`);
              return 'UNKNOWN';
            }),
          pending: ['PREPARED', 'PREPARE'],
          end: async (label) => {
            this.logger.info(`[starrocks] rolling back leftover transaction ${label} of ${t.db}.${t.table}`);
            await this.http.rollback(t.db, label);
          },
        });
      }
    }
  }
}
