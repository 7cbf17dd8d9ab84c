/**
 * The `schema` block of debezium-json with `debezium-json.include-schema.enabled`: Kafka Connect's JSON schema
 * of a struct with `before` and `after`, as Flink CDC builds it (DebeziumJsonSerializationSchema
 * #convertSchemaToDebeziumSchema) and Kafka's JsonConverter prints it (keys in the converter's order:
 * type, fields/items/keys/values, optional, name, version, doc, parameters, default, field).
 */
import type { Column, DataType, Schema } from '@cdc/core';
import { jsonString, scaledDecimal } from './json-text.js';

interface ConnectSchema {
  type: string;
  fields?: string[];
  items?: string;
  keys?: string;
  values?: string;
  name?: string;
  version?: number;
  parameters?: [string, string][];
}

function connectType(t: DataType): ConnectSchema {
  switch (t.type) {
    case 'TINYINT':
    case 'SMALLINT':
      return { type: 'int16' };
    case 'INT':
      return { type: 'int32' };
    case 'BIGINT':
      return { type: 'int64' };
    case 'DECIMAL':
      return { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: [['scale', String(t.scale)], ['connect.decimal.precision', String(t.precision)]] };
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'FLOAT':
      return { type: 'float' };
    case 'DOUBLE':
      return { type: 'double' };
    case 'DATE':
      return { type: 'int32', name: 'io.debezium.time.Date', version: 1 };
    case 'TIME':
      return { type: 'int64', name: 'io.debezium.time.MicroTime', version: 1 };
    case 'TIMESTAMP':
      return t.precision > 3 ? { type: 'int64', name: 'io.debezium.time.MicroTimestamp', version: 1 } : { type: 'int64', name: 'io.debezium.time.Timestamp', version: 1 };
    case 'TIMESTAMP_LTZ':
      return { type: 'string', name: 'io.debezium.time.ZonedTimestamp', version: 1 };
    case 'BINARY':
    case 'VARBINARY':
      return { type: 'bytes', name: 'io.debezium.data.Bits', version: 1, parameters: [['length', String(t.length)]] };
    case 'BYTES':
      return { type: 'bytes', name: 'io.debezium.data.Bits', version: 1, parameters: [['length', '2147483647']] };
    case 'ARRAY':
      return { type: 'array', items: schemaText(connectType(t.element), false) };
    case 'MAP':
      return { type: 'map', keys: schemaText(connectType(t.key), false), values: schemaText(connectType(t.value), false) };
    case 'ROW':
      return { type: 'struct', fields: t.fields.map((f) => schemaText(connectType(f.type), false, undefined, undefined, f.name)) };
    default:
      return { type: 'string' };
  }
}

function schemaText(s: ConnectSchema, optional: boolean, doc?: string, defaultText?: string, field?: string): string {
  let out = `{"type":${jsonString(s.type)}`;
  if (s.fields) out += `,"fields":[${s.fields.join(',')}]`;
  if (s.items) out += `,"items":${s.items}`;
  if (s.keys) out += `,"keys":${s.keys},"values":${s.values}`;
  out += `,"optional":${optional}`;
  if (s.name) out += `,"name":${jsonString(s.name)}`;
  if (s.version !== undefined) out += `,"version":${s.version}`;
  if (doc !== undefined) out += `,"doc":${jsonString(doc)}`;
  if (s.parameters) out += `,"parameters":{${s.parameters.map(([k, v]) => `${jsonString(k)}:${jsonString(v)}`).join(',')}}`;
  if (defaultText !== undefined) out += `,"default":${defaultText}`;
  if (field !== undefined) out += `,"field":${jsonString(field)}`;
  return out + '}';
}

/** Two's complement big-endian bytes of a decimal's unscaled value, base64 (Connect's Decimal in JSON). */
function decimalDefault(text: string, scale: number): string {
  const { sign, unscaled } = scaledDecimal(text, scale);
  let n = BigInt(sign + unscaled);
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (!(n === 0n && (bytes[0] & 0x80) === 0) && !(n === -1n && (bytes[0] & 0x80) !== 0));
  return `"${Buffer.from(bytes).toString('base64')}"`;
}

/** The column default as Connect JSON, or undefined where Flink CDC drops it (unparsable expression). */
function defaultText(c: Column): string | undefined {
  const d = c.defaultValue;
  if (d === undefined || d === null) return undefined;
  const int = /^[+-]?\d+$/.test(d.trim());
  switch (c.type.type) {
    case 'BOOLEAN':
      return d.trim().toLowerCase() === 'true' ? 'true' : 'false';
    case 'TINYINT':
    case 'SMALLINT':
    case 'INT':
    case 'DATE':
    case 'BIGINT':
    case 'TIME':
    case 'TIMESTAMP':
      return int ? BigInt(d.trim()).toString() : undefined;
    case 'FLOAT':
    case 'DOUBLE': {
      const n = Number(d);
      return d.trim() !== '' && Number.isFinite(n) ? String(n) : undefined;
    }
    case 'DECIMAL':
      try {
        return decimalDefault(d, c.type.scale);
      } catch {
        return undefined;
      }
    case 'BINARY':
    case 'VARBINARY':
    case 'BYTES':
      return `"${Buffer.from(d, 'utf8').toString('base64')}"`;
    case 'ARRAY':
    case 'MAP':
    case 'ROW':
      return undefined;
    default:
      return jsonString(d);
  }
}

/** The `schema` value (JSON text) for a table schema. */
export function debeziumSchemaText(schema: Schema): string {
  const fields = schema.columns.map((c) => schemaText(connectType(c.type), c.type.nullable, c.comment, defaultText(c), c.name));
  const struct = (name: string) => `{"type":"struct","fields":[${fields.join(',')}],"optional":true,"field":"${name}"}`;
  return `{"type":"struct","fields":[${struct('before')},${struct('after')}],"optional":false}`;
}
