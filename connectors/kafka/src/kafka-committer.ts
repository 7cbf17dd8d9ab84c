/**
 * Commits the Kafka transactions of a checkpoint after the checkpoint is durable. A transaction prepared in
 * this process is committed through its session; one restored from a checkpoint (its producer died with the
 * previous run) by EndTxn with the stored producer id and epoch — never InitProducerId, which would abort it.
 * Committing twice is harmless (Kafka answers a repeated commit of a committed transaction with success).
 */
import { SinkError, type Committer, type JsonValue } from '@cdc/core';
import { mapKafkaError, protocolType } from './kafka-errors.js';
import type { KafkaDataSink } from './kafka-sink.js';
import { createCluster, endTransaction, TransactionSession, type InternalCluster } from './kafkajs-internals.js';
import type { KafkaCommittable } from './kafka-writer.js';

const RETRY_TYPES = new Set(['CONCURRENT_TRANSACTIONS', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE']);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function asCommittable(v: JsonValue): KafkaCommittable {
  const c = v as Partial<KafkaCommittable> | null;
  if (!c || typeof c.transactionalId !== 'string' || typeof c.producerId !== 'string' || typeof c.epoch !== 'number') {
    throw new SinkError(`a stored Kafka committable is malformed: ${JSON.stringify(v).slice(0, 200)}`, { connector: 'kafka', hint: 'the state dir was written by another sink or edited' });
  }
  return c as KafkaCommittable;
}

export class KafkaCommitter implements Committer {
  private cluster: InternalCluster | undefined;

  constructor(private readonly sink: KafkaDataSink) {}

  private async connected(): Promise<InternalCluster> {
    if (!this.cluster) {
      const c = createCluster(this.sink.kafka(), false);
      await c.connect();
      this.cluster = c;
    }
    return this.cluster;
  }

  async commit(committables: readonly JsonValue[]): Promise<void> {
    for (const raw of committables) {
      const c = asCommittable(raw);
      const live = this.sink.prepared.get(c.transactionalId);
      try {
        if (live && live.producerId === c.producerId && live.epoch === c.epoch && live.open) {
          await live.commit();
        } else {
          await this.endRestored(c);
        }
        this.sink.prepared.delete(c.transactionalId);
      } catch (e) {
        const type = protocolType(e);
        if (!live && (type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH' || type === 'INVALID_PRODUCER_ID_MAPPING')) {
          // as Flink's KafkaCommitter: the transaction was ended by Kafka (e.g. after transaction.timeout.ms)
          this.sink.logger.error(
            `kafka sink: transaction ${c.transactionalId} of a restored checkpoint can no longer be committed (${type}); its records are lost if Kafka aborted it — raise properties.transaction.timeout.ms above the longest downtime`,
          );
          continue;
        }
        throw mapKafkaError(e, `committing Kafka transaction ${c.transactionalId}`, this.sink.settings.brokers);
      }
    }
  }

  private async endRestored(c: KafkaCommittable): Promise<void> {
    const cluster = await this.connected();
    for (let attempt = 0; ; attempt++) {
      try {
        await endTransaction(cluster, { transactionalId: c.transactionalId, producerId: c.producerId, epoch: c.epoch, commit: true });
        return;
      } catch (e) {
        if (!RETRY_TYPES.has(protocolType(e) ?? '') || attempt >= 50) throw e;
        await sleep(Math.min(100 * 2 ** attempt, 2_000));
      }
    }
  }

  /**
   * Before any write: the next checkpoint id is the restored one + 1, and every writer of the restored run
   * may have left a transaction open under `<prefix>-<subtask>-<restored + 1>`: initialising a producer with
   * that id aborts it (the committables of the restored checkpoint use other ids and stay committable).
   */
  async recover(restored: { checkpointId: number; committables: readonly JsonValue[] } | undefined): Promise<void> {
    if (!restored) return;
    this.sink.nextCheckpointId = restored.checkpointId + 1;
    const parallelism = Math.max(0, ...restored.committables.map((x) => asCommittable(x).parallelism ?? 0));
    if (!parallelism) return;
    const cluster = await this.connected().catch((e: unknown) => {
      throw mapKafkaError(e, 'connecting to recover Kafka transactions', this.sink.settings.brokers);
    });
    for (let s = 0; s < parallelism; s++) {
      const id = `${this.sink.transactionalIdPrefix}-${s}-${restored.checkpointId + 1}`;
      try {
        await TransactionSession.open(this.sink.kafka(), cluster, id, this.sink.settings.transactionTimeoutMs, undefined);
      } catch (e) {
        throw mapKafkaError(e, `aborting leftover Kafka transaction ${id}`, this.sink.settings.brokers);
      }
    }
  }

  async close(): Promise<void> {
    const c = this.cluster;
    this.cluster = undefined;
    await c?.disconnect().catch(() => undefined);
  }
}
