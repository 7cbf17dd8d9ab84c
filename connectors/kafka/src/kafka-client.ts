/**
 * `properties.*` (Kafka producer properties, as Flink passes them to the Java client) mapped onto kafkajs.
 * Properties kafkajs has no equivalent for are accepted and named once in a warning.
 */
import { CompressionTypes, Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { ConfigError, type Logger } from '@cdc/core';

export interface ProducerSettings {
  readonly brokers: readonly string[];
  readonly acks: number;
  readonly compression: CompressionTypes;
  readonly requestTimeoutMs: number;
  /** Time budget for delivering one batch, retries included (Java: delivery.timeout.ms). */
  readonly deliveryTimeoutMs: number;
  /** Time budget for a topic's metadata to appear, e.g. a topic that does not exist yet (Java: max.block.ms). */
  readonly maxBlockMs: number;
  readonly retryBackoffMs: number;
  /** Largest record (key + value + headers) accepted (Java: max.request.size). */
  readonly maxRequestSize: number;
  readonly allowAutoTopicCreation: boolean;
  readonly transactionalIdPrefix: string | undefined;
  readonly transactionTimeoutMs: number;
}

/** Java producer properties that mean nothing to kafkajs (batching is ours) — accepted silently. */
const IGNORED = new Set([
  'key.serializer', 'value.serializer', 'batch.size', 'linger.ms', 'buffer.memory', 'enable.idempotence', 'retries',
  'max.in.flight.requests.per.connection', 'send.buffer.bytes', 'receive.buffer.bytes', 'metadata.max.age.ms', 'partitioner.class',
]);
const KNOWN = new Set([
  'bootstrap.servers', 'client.id', 'acks', 'compression.type', 'request.timeout.ms', 'delivery.timeout.ms', 'max.block.ms',
  'retry.backoff.ms', 'max.request.size', 'allow.auto.create.topics', 'transactional.id', 'transaction.timeout.ms',
  'security.protocol', 'sasl.mechanism', 'sasl.jaas.config', 'connections.max.idle.ms', 'socket.connection.setup.timeout.ms',
]);

function int(props: Readonly<Record<string, string>>, key: string, dflt: number): number {
  const raw = props[key];
  if (raw === undefined || raw.trim() === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`option "properties.${key}" has value ${JSON.stringify(raw)}, expected a non-negative integer`, { connector: 'kafka' });
  return n;
}

export function producerSettings(props: Readonly<Record<string, string>>, logger?: Logger): ProducerSettings {
  const acksRaw = (props.acks ?? 'all').trim().toLowerCase();
  const acks = acksRaw === 'all' || acksRaw === '-1' ? -1 : acksRaw === '1' ? 1 : acksRaw === '0' ? 0 : NaN;
  if (Number.isNaN(acks)) throw new ConfigError(`option "properties.acks" has value ${JSON.stringify(props.acks)}, expected all, -1, 1 or 0`, { connector: 'kafka' });
  const comp = (props['compression.type'] ?? 'none').trim().toLowerCase();
  if (comp !== 'none' && comp !== 'gzip') {
    throw new ConfigError(`option "properties.compression.type" = ${JSON.stringify(props['compression.type'])} is not supported by this sink`, { connector: 'kafka', hint: 'use none or gzip' });
  }
  const auto = (props['allow.auto.create.topics'] ?? 'true').trim().toLowerCase();
  if (auto !== 'true' && auto !== 'false') throw new ConfigError(`option "properties.allow.auto.create.topics" must be true or false`, { connector: 'kafka' });
  const unknown = Object.keys(props).filter((k) => !KNOWN.has(k) && !IGNORED.has(k));
  if (unknown.length) logger?.warn(`kafka sink: producer properties not used by kafkajs: ${unknown.map((k) => `properties.${k}`).join(', ')}`);
  return {
    brokers: props['bootstrap.servers'].split(',').map((s) => s.trim()).filter(Boolean),
    acks,
    compression: comp === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
    requestTimeoutMs: int(props, 'request.timeout.ms', 30_000),
    deliveryTimeoutMs: int(props, 'delivery.timeout.ms', 120_000),
    maxBlockMs: int(props, 'max.block.ms', 60_000),
    retryBackoffMs: Math.max(10, int(props, 'retry.backoff.ms', 100)),
    maxRequestSize: int(props, 'max.request.size', 1_048_576),
    allowAutoTopicCreation: auto === 'true',
    transactionalIdPrefix: props['transactional.id']?.trim() || undefined,
    transactionTimeoutMs: int(props, 'transaction.timeout.ms', 900_000),
  };
}

/** `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";` */
function sasl(props: Readonly<Record<string, string>>): SASLOptions | undefined {
  const proto = (props['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!proto.startsWith('SASL_')) return undefined;
  const mech = (props['sasl.mechanism'] ?? 'PLAIN').toUpperCase();
  const jaas = props['sasl.jaas.config'] ?? '';
  const field = (name: string) => new RegExp(`${name}\\s*=\\s*"([^"]*)"`).exec(jaas)?.[1];
  const username = field('username');
  const password = field('password');
  if (username === undefined || password === undefined) {
    throw new ConfigError('security.protocol is SASL but properties.sasl.jaas.config has no username="..." password="..."', { connector: 'kafka' });
  }
  if (mech === 'PLAIN') return { mechanism: 'plain', username, password };
  if (mech === 'SCRAM-SHA-256') return { mechanism: 'scram-sha-256', username, password };
  if (mech === 'SCRAM-SHA-512') return { mechanism: 'scram-sha-512', username, password };
  throw new ConfigError(`properties.sasl.mechanism ${JSON.stringify(props['sasl.mechanism'])} is not supported`, { connector: 'kafka', hint: 'use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512' });
}

/** kafkajs logs every retry at ERROR; the sink reports failures itself, so kafkajs speaks at debug level. */
function logCreator(logger: Logger | undefined) {
  return () =>
    ({ namespace, log }: { namespace: string; log: { message: string } & Record<string, unknown> }) => {
      logger?.debug(`kafkajs ${namespace}: ${log.message}`);
    };
}

export function createKafka(props: Readonly<Record<string, string>>, s: ProducerSettings, logger?: Logger): Kafka {
  const proto = (props['security.protocol'] ?? 'PLAINTEXT').toUpperCase();
  if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(proto)) {
    throw new ConfigError(`properties.security.protocol ${JSON.stringify(props['security.protocol'])} is not supported`, { connector: 'kafka', hint: 'use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL' });
  }
  const saslOptions = sasl(props);
  const config: KafkaConfig = {
    clientId: props['client.id'] ?? 'cdc-kafka-sink',
    brokers: [...s.brokers],
    connectionTimeout: int(props, 'socket.connection.setup.timeout.ms', 10_000),
    requestTimeout: s.requestTimeoutMs,
    ssl: proto === 'SSL' || proto === 'SASL_SSL',
    ...(saslOptions ? { sasl: saslOptions } : {}),
    logLevel: logLevel.WARN,
    logCreator: logCreator(logger),
    retry: { retries: 5, initialRetryTime: s.retryBackoffMs, maxRetryTime: 5_000 },
  };
  return new Kafka(config);
}
