/** The `kafka` DataSink: topic routing, shared kafkajs client, writers, and the committer for exactly-once. */
import type { Kafka } from 'kafkajs';
import {
  SCHEMA_CHANGE_TYPES,
  tableIdString,
  type Committer,
  type ConnectionCheck,
  type DataSink,
  type Logger,
  type MetadataApplier,
  type PipelineInfo,
  type SchemaChangeType,
  type SinkWriter,
  type SinkWriterContext,
  type TableId,
} from '@cdc/core';
import { createKafka, producerSettings, type ProducerSettings } from './kafka-client.js';
import { KafkaCommitter } from './kafka-committer.js';
import { mapKafkaError } from './kafka-errors.js';
import type { KafkaSinkConfig } from './kafka-options.js';
import type { InternalCluster, TransactionSession } from './kafkajs-internals.js';
import { KafkaSinkWriter } from './kafka-writer.js';

/**
 * Kafka keeps no table schema: every change is accepted and shows in the next records (and the debezium
 * schema block). truncate.table and drop.table are not listed: a topic is a log, there is nothing to
 * truncate or drop, and Flink CDC's Kafka sink writes no record for them either.
 */
export const KAFKA_SCHEMA_CHANGES: readonly SchemaChangeType[] = SCHEMA_CHANGE_TYPES.filter((t) => t !== 'truncate.table' && t !== 'drop.table');

export class KafkaDataSink implements DataSink {
  readonly settings: ProducerSettings;
  /** Transactions prepared by writers of this process and not committed yet, by transactional id. */
  readonly prepared = new Map<string, TransactionSession>();
  /** The first checkpoint id this run will take (restored id + 1), known after Committer.recover. */
  nextCheckpointId = 1;
  readonly transactionalIdPrefix: string;
  private client: Kafka | undefined;
  private readonly topics = new Map<string, string>();
  private readonly lingering = new Set<InternalCluster>();

  constructor(
    readonly config: KafkaSinkConfig,
    readonly pipeline: PipelineInfo,
    readonly logger: Logger,
  ) {
    this.settings = producerSettings(config.properties, logger);
    this.transactionalIdPrefix = this.settings.transactionalIdPrefix ?? `cdc-${pipeline.name.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
    // only exactly-once has a second phase
    if (config.deliveryGuarantee === 'exactly-once') this.createCommitter = () => new KafkaCommitter(this);
  }

  readonly createCommitter?: () => Committer;

  kafka(): Kafka {
    this.client ??= createKafka(this.config.properties, this.settings, this.logger);
    return this.client;
  }

  /** `topic` if set, else the first matching `sink.tableId-to-topic.mapping` entry, else `<db>.<table>`. */
  topicFor(id: TableId): string {
    const key = tableIdString(id);
    let t = this.topics.get(key);
    if (t === undefined) {
      t = this.config.topic ?? this.config.topicMapping.find((m) => m.selector.matches(id))?.topic ?? key;
      this.topics.set(key, t);
    }
    return t;
  }

  metadataApplier(): MetadataApplier {
    return {
      supportedSchemaChanges: KAFKA_SCHEMA_CHANGES,
      applySchemaChange: async () => {
        // nothing to do: records carry their schema
      },
    };
  }

  async createWriter(ctx: SinkWriterContext): Promise<SinkWriter> {
    const w = new KafkaSinkWriter(this, ctx);
    try {
      await w.open();
    } catch (e) {
      await w.close();
      throw e;
    }
    return w;
  }


  async check(signal: AbortSignal): Promise<ConnectionCheck> {
    void signal;
    const admin = this.kafka().admin({ retry: { retries: 2 } });
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      const problems: string[] = [];
      if (this.config.topic) {
        const topics = await admin.listTopics();
        if (!topics.includes(this.config.topic) && !this.settings.allowAutoTopicCreation) problems.push(`topic ${this.config.topic} does not exist: create it`);
      }
      return { system: 'Kafka', version: `${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'unknown'}`, problems };
    } catch (e) {
      throw mapKafkaError(e, 'checking the connection', this.settings.brokers);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /** A writer's connections, kept open while one of its transactions still waits for the committer. */
  releaseCluster(cluster: InternalCluster): void {
    if (this.prepared.size) this.lingering.add(cluster);
    else void cluster.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const c of this.lingering) await c.disconnect().catch(() => undefined);
    this.lingering.clear();
    this.prepared.clear();
  }
}
