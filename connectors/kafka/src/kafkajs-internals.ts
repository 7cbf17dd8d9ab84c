/**
 * Two-phase commit needs what kafkajs's public producer hides: the producer id and epoch of a transaction
 * (the committable a checkpoint stores) and an EndTxn for a transaction whose producer died (commit after a
 * crash, without InitProducerId, which would abort it). kafkajs 2.2.4 (pinned exactly: it is no longer
 * released, so these modules do not move) builds its producer from the modules used here; we build the same
 * pieces ourselves, one transactional id per checkpoint, as Flink's KafkaSink does.
 */
import { createRequire, Module } from 'node:module';
import type { Kafka, Message } from 'kafkajs';
import { installFastProduce } from './fast-produce.js';

const require = createRequire(import.meta.url);

interface KafkaLogger {
  namespace(name: string): KafkaLogger;
}

/** kafkajs's internal Cluster (one set of broker connections and metadata). */
export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(q: { groupId: string; coordinatorType: number }): Promise<InternalBroker>;
}

interface InternalBroker {
  endTxn(q: { producerId: string | number; producerEpoch: number; transactionalId: string; transactionResult: boolean }): Promise<unknown>;
}

interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
  getProducerId(): string | number;
  getProducerEpoch(): number;
  isInTransaction(): boolean;
}

export interface TopicMessages {
  readonly topic: string;
  readonly messages: Message[];
}

type SendBatch = (q: { acks: number; timeout: number; compression: number; topicMessages: TopicMessages[] }) => Promise<unknown>;

const createEosManager = require('kafkajs/src/producer/eosManager') as (q: {
  logger: KafkaLogger;
  cluster: InternalCluster;
  transactionTimeout: number;
  transactional: boolean;
  transactionalId: string;
}) => EosManager;
type CreateMessageProducer = (q: {
  logger: KafkaLogger;
  cluster: InternalCluster;
  partitioner: unknown;
  eosManager: EosManager;
  idempotent: boolean;
  retrier: unknown;
  getConnectionStatus: () => string;
}) => { sendBatch: SendBatch };

interface PartitionMessage {
  partition?: number;
}

/**
 * kafkajs groups a batch by partition with `[...current, message]` per message: quadratic in the batch size,
 * the largest cost of a send of a few thousand records to one partition. The same grouping, linear.
 */
function groupMessagesPerPartition(q: { topic: string; partitionMetadata: unknown[]; messages: PartitionMessage[]; partitioner: (x: unknown) => number }): Record<number, PartitionMessage[]> {
  const out: Record<number, PartitionMessage[]> = {};
  if (q.partitionMetadata.length === 0) return out;
  for (const message of q.messages) {
    const partition = q.partitioner({ topic: q.topic, partitionMetadata: q.partitionMetadata, message });
    (out[partition] ??= []).push(message);
  }
  return out;
}

/** A private copy of kafkajs's messageProducer (and sendMessages) bound to the linear grouping above. */
function loadMessageProducer(): CreateMessageProducer {
  const paths = {
    group: require.resolve('kafkajs/src/producer/groupMessagesPerPartition'),
    send: require.resolve('kafkajs/src/producer/sendMessages'),
    producer: require.resolve('kafkajs/src/producer/messageProducer'),
  };
  const saved = { group: require.cache[paths.group], send: require.cache[paths.send], producer: require.cache[paths.producer] };
  const grouped = new Module(paths.group);
  grouped.filename = paths.group;
  grouped.loaded = true;
  grouped.exports = groupMessagesPerPartition;
  try {
    require.cache[paths.group] = grouped;
    delete require.cache[paths.send];
    delete require.cache[paths.producer];
    return require(paths.producer) as CreateMessageProducer;
  } finally {
    // everything else (kafkajs's own producer, consumers) keeps the original modules
    for (const k of ['group', 'send', 'producer'] as const) {
      if (saved[k]) require.cache[paths[k]] = saved[k];
      else delete require.cache[paths[k]];
    }
  }
}

const createMessageProducer = loadMessageProducer();
installFastProduce();
const createRetry = require('kafkajs/src/retry') as (opts: Record<string, number>) => unknown;
const COORDINATOR_TRANSACTION = 1;

function kafkaInternals(kafka: Kafka): { createCluster: (q: Record<string, unknown>) => InternalCluster; logger: KafkaLogger; retry: Record<string, number> } {
  const symbols = Object.getOwnPropertySymbols(kafka);
  const find = (d: string) => symbols.find((s) => s.description === d);
  const cc = find('private:Kafka:createCluster');
  const retry = find('private:Kafka:clusterRetry');
  const k = kafka as unknown as Record<symbol, unknown>;
  if (!cc || typeof k[cc] !== 'function') throw new Error('kafkajs internals changed: private:Kafka:createCluster not found (kafkajs 2.2.4 expected)');
  return {
    createCluster: k[cc] as (q: Record<string, unknown>) => InternalCluster,
    logger: (kafka.logger() as unknown as KafkaLogger),
    retry: ((retry && (k[retry] as Record<string, number>)) || {}) as Record<string, number>,
  };
}

/** A new kafkajs cluster (connections) for one writer or committer. */
export function createCluster(kafka: Kafka, allowAutoTopicCreation: boolean): InternalCluster {
  return kafkaInternals(kafka).createCluster({ allowAutoTopicCreation, maxInFlightRequests: 1 });
}

/** One Kafka transaction under its own transactional id: init (fencing older producers of that id), send, end. */
export class TransactionSession {
  private constructor(
    readonly transactionalId: string,
    private readonly eos: EosManager,
    private readonly producer: { sendBatch: SendBatch },
  ) {}

  /** InitProducerId fences any producer that used this id before and aborts its open transaction. */
  static async open(kafka: Kafka, cluster: InternalCluster, transactionalId: string, transactionTimeout: number, partitioner: unknown): Promise<TransactionSession> {
    const { logger, retry } = kafkaInternals(kafka);
    const eos = createEosManager({ logger, cluster, transactionTimeout, transactional: true, transactionalId });
    await eos.initProducerId();
    eos.beginTransaction();
    const producer = createMessageProducer({
      logger,
      cluster,
      partitioner,
      eosManager: eos,
      idempotent: true,
      retrier: createRetry(retry),
      getConnectionStatus: () => 'connected',
    });
    return new TransactionSession(transactionalId, eos, producer);
  }

  send(topicMessages: TopicMessages[], timeout: number, compression: number): Promise<unknown> {
    return this.producer.sendBatch({ acks: -1, timeout, compression, topicMessages });
  }

  get producerId(): string {
    return String(this.eos.getProducerId());
  }
  get epoch(): number {
    return this.eos.getProducerEpoch();
  }
  get open(): boolean {
    return this.eos.isInTransaction();
  }
  commit(): Promise<void> {
    return this.eos.commit();
  }
  abort(): Promise<void> {
    return this.eos.abort();
  }
}

/** A plain (non-idempotent, non-transactional) producer on a cluster, as kafkajs's public producer builds it. */
export function plainSender(kafka: Kafka, cluster: InternalCluster, partitioner: unknown): (topicMessages: TopicMessages[], acks: number, timeout: number, compression: number) => Promise<unknown> {
  const { logger, retry } = kafkaInternals(kafka);
  const eosManager = createEosManager({ logger, cluster, transactionTimeout: 60_000, transactional: false, transactionalId: undefined as unknown as string });
  const producer = createMessageProducer({ logger, cluster, partitioner, eosManager, idempotent: false, retrier: createRetry(retry), getConnectionStatus: () => 'connected' });
  return (topicMessages, acks, timeout, compression) => producer.sendBatch({ acks, timeout, compression, topicMessages });
}

/** Ends a transaction of a producer that may be gone, by its id and epoch (never bumps the epoch). */
export async function endTransaction(cluster: InternalCluster, q: { transactionalId: string; producerId: string; epoch: number; commit: boolean }): Promise<void> {
  const broker = await cluster.findGroupCoordinator({ groupId: q.transactionalId, coordinatorType: COORDINATOR_TRANSACTION });
  await broker.endTxn({ producerId: q.producerId, producerEpoch: q.epoch, transactionalId: q.transactionalId, transactionResult: q.commit });
}
