/** Options of the `kafka` sink, named as in Flink CDC's KafkaDataSinkOptions. */
import { ConfigError, compileTableSelector, type OptionSpec, type PassThroughPrefix, type ResolvedOptions, type TableSelector } from '@cdc/core';
import type { KeyFormat, ValueFormat } from './change-formats.js';
import type { EncodingOptions, TimestampStandard } from './value-encoding.js';

export const DELIVERY_GUARANTEES = ['none', 'at-least-once', 'exactly-once'] as const;
export type DeliveryGuarantee = (typeof DELIVERY_GUARANTEES)[number];
export type PartitionStrategy = 'all-to-zero' | 'hash-by-key';

export const KAFKA_OPTIONS: readonly OptionSpec[] = [
  { key: 'value.format', type: 'enum', values: ['debezium-json', 'canal-json'], default: 'debezium-json', description: 'format of the record values: debezium-json or canal-json' },
  { key: 'key.format', type: 'enum', values: ['json', 'csv'], default: 'json', description: 'format of the record keys (table id + primary key): json or csv' },
  { key: 'partition.strategy', type: 'enum', values: ['all-to-zero', 'hash-by-key'], default: 'all-to-zero', description: 'all-to-zero sends every record to partition 0; hash-by-key picks the partition by murmur2 of the key, as Kafka\'s default partitioner' },
  { key: 'topic', type: 'string', description: 'one topic for every table (default: one topic per table, named <db>.<table>)' },
  { key: 'sink.add-tableId-to-header-enabled', type: 'boolean', default: false, description: 'add the headers namespace, schemaName and tableName to every record' },
  { key: 'sink.custom-header', type: 'string', default: '', description: 'headers for every record, key1:value1;key2:value2' },
  { key: 'sink.tableId-to-topic.mapping', type: 'string', description: 'table selectors to topics, db.t1:topic1;db.t\\.*:topic2 (first match wins)' },
  { key: 'sink.delivery-guarantee', type: 'enum', values: [...DELIVERY_GUARANTEES], default: 'at-least-once', description: 'none, at-least-once (flush on checkpoint) or exactly-once (Kafka transactions committed on checkpoint)' },
  {
    key: 'debezium-json.include-schema.enabled',
    type: 'boolean',
    default: false,
    deprecatedKeys: ['sink.debezium-json.include-schema.enabled'],
    description: 'debezium-json only: wrap each value as {"schema": <Kafka Connect schema of before/after>, "payload": ...}',
  },
];

/** The format options Flink CDC passes to its JSON / CSV formats (`<format>.<option>`), declared one by one. */
const FORMAT_OPTIONS: readonly OptionSpec[] = (['debezium-json', 'canal-json', 'json', 'csv'] as const).flatMap((f): OptionSpec[] => [
  { key: `${f}.timestamp-format.standard`, type: 'enum', values: ['SQL', 'ISO-8601'], default: 'SQL', description: `${f}: TIMESTAMP text as yyyy-MM-dd HH:mm:ss[.f] (SQL) or yyyy-MM-ddTHH:mm:ss[.f] (ISO-8601)` },
  ...(f === 'csv'
    ? []
    : [{ key: `${f}.encode.decimal-as-plain-number`, type: 'boolean' as const, default: false, description: `${f}: write DECIMAL as 0.00000001 instead of Java's 1E-8 (both exact)` }]),
]);

export const KAFKA_OPTIONS_ALL: readonly OptionSpec[] = [...KAFKA_OPTIONS, ...FORMAT_OPTIONS];

export const KAFKA_PREFIXES: readonly PassThroughPrefix[] = [{ prefix: 'properties.', description: 'Kafka producer properties (properties.bootstrap.servers is required)' }];

export interface KafkaSinkConfig {
  readonly properties: Readonly<Record<string, string>>;
  readonly valueFormat: ValueFormat;
  readonly keyFormat: KeyFormat;
  readonly partitionStrategy: PartitionStrategy;
  readonly topic: string | undefined;
  readonly addTableIdHeaders: boolean;
  readonly customHeaders: readonly (readonly [string, string])[];
  readonly topicMapping: readonly { readonly selector: TableSelector; readonly topic: string }[];
  readonly deliveryGuarantee: DeliveryGuarantee;
  readonly includeSchema: boolean;
  readonly valueEncoding: EncodingOptions;
  readonly keyEncoding: EncodingOptions;
}

function encoding(format: string, o: ResolvedOptions): EncodingOptions {
  return {
    timestampStandard: (o.string(`${format}.timestamp-format.standard`) ?? 'SQL') as TimestampStandard,
    decimalAsPlainNumber: o.boolean(`${format}.encode.decimal-as-plain-number`) ?? false,
  };
}

/** `k1:v1;k2:v2` (Flink CDC splits on `;`; `,` is accepted too, as its option description shows). */
function parseHeaders(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of text.split(/[;,]/)) {
    if (!part.trim()) continue;
    const kv = part.split(':');
    if (kv.length !== 2 || !kv[0].trim()) {
      throw new ConfigError(`option "sink.custom-header" is malformed at ${JSON.stringify(part)}`, { connector: 'kafka', hint: 'write key1:value1;key2:value2' });
    }
    out.push([kv[0].trim(), kv[1].trim()]);
  }
  return out;
}

function parseMapping(text: string | undefined): KafkaSinkConfig['topicMapping'] {
  if (!text?.trim()) return [];
  return text
    .split(';')
    .filter((m) => m.trim())
    .map((m) => {
      const parts = m.split(':');
      if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim()) {
        throw new ConfigError(`option "sink.tableId-to-topic.mapping" is malformed at ${JSON.stringify(m)}`, { connector: 'kafka', hint: 'write db.table1:topic1;db.table\\.*:topic2' });
      }
      return { selector: compileTableSelector(parts[0].trim(), { where: 'sink.tableId-to-topic.mapping' }), topic: parts[1].trim() };
    });
}

export function readConfig(o: ResolvedOptions): KafkaSinkConfig {
  const properties = o.prefixed('properties.');
  if (!properties['bootstrap.servers']?.trim()) {
    throw new ConfigError('required option "properties.bootstrap.servers" is missing', { connector: 'kafka', hint: 'set properties.bootstrap.servers: host1:9092,host2:9092' });
  }
  const valueFormat = o.requireString('value.format') as ValueFormat;
  const keyFormat = o.requireString('key.format') as KeyFormat;
  const includeSchema = o.boolean('debezium-json.include-schema.enabled') ?? false;
  if (includeSchema && valueFormat !== 'debezium-json') {
    throw new ConfigError('option "debezium-json.include-schema.enabled" needs value.format: debezium-json', { connector: 'kafka' });
  }
  for (const f of ['debezium-json', 'canal-json', 'json', 'csv']) {
    const given = Object.keys(o.values).filter((k) => k.startsWith(`${f}.`) && k !== 'debezium-json.include-schema.enabled' && o.values[k] !== FORMAT_OPTIONS.find((x) => x.key === k)?.default);
    if (given.length && f !== valueFormat && f !== keyFormat) {
      throw new ConfigError(`options ${given.map((k) => `"${k}"`).join(', ')} are for format ${f}, which this sink does not use`, { connector: 'kafka', hint: `value.format is ${valueFormat}, key.format is ${keyFormat}` });
    }
  }
  const topic = o.string('topic')?.trim() || undefined;
  return {
    properties,
    valueFormat,
    keyFormat,
    partitionStrategy: o.requireString('partition.strategy') as PartitionStrategy,
    topic,
    addTableIdHeaders: o.boolean('sink.add-tableId-to-header-enabled') ?? false,
    customHeaders: parseHeaders(o.string('sink.custom-header') ?? ''),
    topicMapping: parseMapping(o.string('sink.tableId-to-topic.mapping')),
    deliveryGuarantee: o.requireString('sink.delivery-guarantee') as DeliveryGuarantee,
    includeSchema,
    valueEncoding: encoding(valueFormat, o),
    keyEncoding: encoding(keyFormat, o),
  };
}
