/**
 * One sink writer: serializes every data change as it arrives and sends it as soon as the connection is free:
 * one batch in flight (so records of one key stay in order on their partition, as with Java's idempotent
 * producer) while the next one, up to ~90% of max.request.size, fills up.
 *
 * - none / at-least-once: a plain (not idempotent) kafkajs producer; a batch that fails with a retriable error (broker down,
 *   leader moving, topic not created yet) is sent again with backoff until delivery.timeout.ms (for a
 *   missing topic: max.block.ms); at-least-once's prepareCommit resolves only when Kafka acknowledged
 *   every record written before it.
 * - exactly-once: records go into a Kafka transaction under the transactional id
 *   `<prefix>-<subtask>-<checkpoint id>`; prepareCommit waits for the acks and returns the transaction's
 *   (id, producer id, epoch), which the Committer commits after the checkpoint is durable. A send error is not
 *   retried by us (a resend inside a transaction could duplicate): the pipeline fails and restarts from the
 *   last checkpoint, and the open transaction is aborted by the next producer of that id.
 */
import { Partitioners, type Message } from 'kafkajs';
import {
  ConfigError,
  DataError,
  SchemaError,
  applySchemaChange,
  tableIdString,
  type Event,
  type JsonValue,
  type Schema,
  type SinkWriter,
  type SinkWriterContext,
  type TableId,
} from '@cdc/core';
import { tableCodec, type TableCodec } from './change-formats.js';
import { isRetriable, mapKafkaError, protocolType } from './kafka-errors.js';
import { createCluster, plainSender, TransactionSession, type InternalCluster, type TopicMessages } from './kafkajs-internals.js';

type PlainSend = ReturnType<typeof plainSender>;
import type { KafkaDataSink } from './kafka-sink.js';

interface TableState {
  readonly schema: Schema;
  readonly codec: TableCodec;
  readonly topic: string;
  readonly headers: Record<string, string> | undefined;
}

/** What the Committer needs to commit one writer's transaction of one checkpoint. */
export interface KafkaCommittable {
  readonly transactionalId: string;
  readonly producerId: string;
  readonly epoch: number;
  readonly subtask: number;
  readonly parallelism: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class KafkaSinkWriter implements SinkWriter {
  private readonly tables = new Map<string, TableState>();
  private buffer = new Map<string, Message[]>();
  private bufferBytes = 0;
  private readonly batchBytes: number;
  private inflight: Promise<void> | undefined;
  private failure: unknown;
  private plain: PlainSend | undefined;
  private cluster: InternalCluster | undefined;
  private session: TransactionSession | undefined;
  private sentInTransaction = false;
  private nextCheckpointId: number;
  private closed = false;
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    private readonly sink: KafkaDataSink,
    private readonly ctx: SinkWriterContext,
  ) {
    this.batchBytes = Math.max(16_384, Math.floor(sink.settings.maxRequestSize * 0.9));
    this.nextCheckpointId = sink.nextCheckpointId;
  }

  private get exactlyOnce(): boolean {
    return this.sink.config.deliveryGuarantee === 'exactly-once';
  }

  /** Connects; for exactly-once also opens the first transaction, which fences what a crashed run left open. */
  async open(): Promise<void> {
    if (this.exactlyOnce) await this.ensureSession();
    else await this.ensureSender();
  }

  private transactionalId(checkpointId: number): string {
    return `${this.sink.transactionalIdPrefix}-${this.ctx.subtask}-${checkpointId}`;
  }

  private async ensureSender(): Promise<PlainSend> {
    if (this.plain) return this.plain;
    const s = this.sink.settings;
    this.cluster ??= createCluster(this.sink.kafka(), s.allowAutoTopicCreation);
    try {
      await this.cluster.connect();
    } catch (e) {
      throw mapKafkaError(e, 'connecting to Kafka', s.brokers);
    }
    this.plain = plainSender(this.sink.kafka(), this.cluster, this.partitioner);
    return this.plain;
  }

  private async ensureSession(): Promise<TransactionSession> {
    if (this.session) return this.session;
    const s = this.sink.settings;
    try {
      this.cluster ??= createCluster(this.sink.kafka(), s.allowAutoTopicCreation);
      await this.cluster.connect();
      this.session = await TransactionSession.open(this.sink.kafka(), this.cluster, this.transactionalId(this.nextCheckpointId), s.transactionTimeoutMs, this.partitioner);
    } catch (e) {
      throw mapKafkaError(e, `starting Kafka transaction ${this.transactionalId(this.nextCheckpointId)}`, s.brokers);
    }
    this.sentInTransaction = false;
    return this.session;
  }

  private lastId: TableId | undefined;
  private lastState: TableState | undefined;

  private state(id: TableId): TableState {
    // events of one table usually share one TableId object: skip building the map key
    if (id === this.lastId && this.lastState) return this.lastState;
    const st = this.tables.get(tableIdString(id));
    if (!st) throw new SchemaError(`data for table ${tableIdString(id)} arrived before its create.table`, { connector: 'kafka' });
    this.lastId = id;
    this.lastState = st;
    return st;
  }

  private setSchema(id: TableId, schema: Schema): void {
    const c = this.sink.config;
    const topic = this.sink.topicFor(id);
    let headers: Record<string, string> | undefined;
    if (c.addTableIdHeaders || c.customHeaders.length) {
      headers = {};
      if (c.addTableIdHeaders) {
        headers.namespace = id.namespace ?? '';
        headers.schemaName = id.schema ?? '';
        headers.tableName = id.table;
      }
      for (const [k, v] of c.customHeaders) headers[k] = v;
    }
    const codec = tableCodec(id, schema, { valueFormat: c.valueFormat, keyFormat: c.keyFormat, valueEncoding: c.valueEncoding, keyEncoding: c.keyEncoding, includeSchema: c.includeSchema });
    this.tables.set(tableIdString(id), { schema, codec, topic, headers });
    this.lastId = undefined;
  }

  async write(events: readonly Event[]): Promise<void> {
    this.throwFailure();
    const now = Date.now();
    const partitionZero = this.sink.config.partitionStrategy === 'all-to-zero';
    for (const e of events) {
      if (e.kind === 'data') {
        const st = this.state(e.tableId);
        const value = st.codec.value(e, now);
        const key = st.codec.key(e);
        let size = Buffer.byteLength(value) + Buffer.byteLength(key) + 70;
        if (st.headers) for (const k in st.headers) size += k.length + Buffer.byteLength(st.headers[k]) + 2;
        if (size > this.sink.settings.maxRequestSize) {
          throw new DataError(`a ${e.op} of ${tableIdString(e.tableId)} with key ${key.slice(0, 200)} serializes to ${size} bytes, more than max.request.size (${this.sink.settings.maxRequestSize})`, {
            connector: 'kafka',
            hint: "raise properties.max.request.size and the topic's max.message.bytes, or make the row smaller",
          });
        }
        if (this.bufferBytes + size > this.batchBytes) await this.dispatch();
        const m: Message = partitionZero ? { key, value, partition: 0 } : { key, value };
        if (st.headers) m.headers = st.headers;
        let list = this.buffer.get(st.topic);
        if (!list) this.buffer.set(st.topic, (list = []));
        list.push(m);
        this.bufferBytes += size;
      } else if (e.kind === 'create.table') {
        this.setSchema(e.tableId, e.schema);
      } else if (e.kind === 'drop.table') {
        this.tables.delete(tableIdString(e.tableId));
        this.lastId = undefined;
      } else if (e.kind !== 'flush' && e.kind !== 'truncate.table') {
        this.setSchema(e.tableId, applySchemaChange(this.state(e.tableId).schema, e));
      }
    }
    this.kick();
  }

  private throwFailure(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Sends the buffer once no batch is in flight (one batch in flight keeps each partition in order). Called
   * when the buffer is full (the caller waits: back-pressure), after each write() and when a batch is
   * acknowledged (nobody waits: records go out as soon as the connection is free, batches grow under load).
   */
  private async dispatch(): Promise<void> {
    while (this.inflight) await this.inflight;
    this.throwFailure();
    if (this.bufferBytes === 0 || this.closed) return;
    const topicMessages: TopicMessages[] = [...this.buffer].map(([topic, messages]) => ({ topic, messages }));
    const count = topicMessages.reduce((n, t) => n + t.messages.length, 0);
    this.buffer = new Map();
    this.bufferBytes = 0;
    const p: Promise<void> = this.deliver(topicMessages, count)
      .catch((e: unknown) => {
        this.failure = e;
      })
      .finally(() => {
        if (this.inflight === p) this.inflight = undefined;
        this.kick();
      });
    this.inflight = p;
  }

  private kick(): void {
    if (!this.closed && this.failure === undefined && this.bufferBytes > 0 && !this.inflight) void this.dispatch().catch(() => undefined);
  }

  private async deliver(topicMessages: TopicMessages[], count: number): Promise<void> {
    const s = this.sink.settings;
    if (this.exactlyOnce) {
      const session = await this.ensureSession();
      this.sentInTransaction = true;
      try {
        await session.send(topicMessages, s.requestTimeoutMs, s.compression);
      } catch (e) {
        throw this.sendError(e, count, topicMessages);
      }
      return;
    }
    const started = Date.now();
    let backoff = s.retryBackoffMs;
    let warned = false;
    for (;;) {
      try {
        const send = await this.ensureSender();
        await send(topicMessages, s.acks, s.requestTimeoutMs, s.compression);
        if (warned) this.ctx.logger.info(`kafka sink: delivered ${count} records after retrying for ${Date.now() - started} ms`);
        return;
      } catch (e) {
        const missingTopic = protocolType(e) === 'UNKNOWN_TOPIC_OR_PARTITION';
        const budget = missingTopic ? s.maxBlockMs : s.deliveryTimeoutMs;
        if (this.closed || !isRetriable(e) || Date.now() - started + backoff > budget) throw this.sendError(e, count, topicMessages);
        if (!warned) {
          this.ctx.logger.warn(`kafka sink: sending ${count} records failed (${mapKafkaError(e, 'send', s.brokers).reason}); retrying with backoff for up to ${budget} ms`);
          warned = true;
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  private sendError(e: unknown, count: number, topicMessages: TopicMessages[]): Error {
    const topics = topicMessages.map((t) => t.topic).join(', ');
    if (protocolType(e) === 'UNKNOWN_TOPIC_OR_PARTITION') {
      return new ConfigError(`topic ${topics} does not exist and Kafka did not create it within max.block.ms (${this.sink.settings.maxBlockMs} ms)`, {
        connector: 'kafka',
        cause: e,
        hint: 'create the topic, or enable auto.create.topics.enable on the broker (and leave properties.allow.auto.create.topics true)',
      });
    }
    return mapKafkaError(e, `sending ${count} records to ${topics}`, this.sink.settings.brokers);
  }

  async prepareCommit(checkpointId: number): Promise<JsonValue | undefined> {
    await this.dispatch();
    if (this.sink.config.deliveryGuarantee === 'none') return undefined;
    while (this.inflight) await this.inflight;
    this.throwFailure();
    if (!this.exactlyOnce) return undefined;
    const session = this.session;
    this.nextCheckpointId = checkpointId + 1;
    this.session = undefined;
    if (!session || !this.sentInTransaction) return undefined; // nothing sent: no transaction to commit
    this.sentInTransaction = false;
    const c: KafkaCommittable = { transactionalId: session.transactionalId, producerId: session.producerId, epoch: session.epoch, subtask: this.ctx.subtask, parallelism: this.ctx.parallelism };
    this.sink.prepared.set(session.transactionalId, session);
    return { ...c };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inflight?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    // a transaction that was never prepared must not keep read_committed consumers waiting until it times out
    if (session?.open && this.sentInTransaction) await session.abort().catch(() => undefined);
    this.plain = undefined;
    // the cluster stays connected while a prepared transaction of this writer awaits its commit
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster) this.sink.releaseCluster(cluster);
  }
}
