/** kafkajs errors mapped onto cdc's typed errors, and which of them a retry can cure. */
import { AuthError, CdcError, ConnectError, DataError, SinkError, isCdcError } from '@cdc/core';

interface KafkaJsError {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  originalError?: unknown;
  cause?: unknown;
  errors?: unknown[];
}

/** Every error in the chain (NumberOfRetriesExceeded wraps the last attempt's error, aggregates hold several). */
function chain(e: unknown): KafkaJsError[] {
  const out: KafkaJsError[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown) => {
    if (!x || typeof x !== 'object' || seen.has(x) || out.length > 20) return;
    seen.add(x);
    const k = x as KafkaJsError;
    out.push(k);
    visit(k.originalError);
    visit(k.cause);
    for (const inner of k.errors ?? []) visit(inner);
  };
  visit(e);
  return out;
}

export function protocolType(e: unknown): string | undefined {
  return chain(e).find((x) => typeof x.type === 'string')?.type;
}

const FATAL_TYPES = new Set([
  'MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_TOPIC_EXCEPTION', 'TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'SASL_AUTHENTICATION_FAILED', 'ILLEGAL_SASL_STATE', 'UNSUPPORTED_SASL_MECHANISM',
  'INVALID_REQUIRED_ACKS', 'PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_TXN_STATE', 'INVALID_TRANSACTION_TIMEOUT', 'POLICY_VIOLATION',
  'UNSUPPORTED_VERSION', 'INVALID_RECORD',
]);

/** Whether sending the same batch again later can succeed (broker down, leader moving, topic being created). */
export function isRetriable(e: unknown): boolean {
  if (isCdcError(e)) return e.retryable;
  const all = chain(e);
  if (all.some((x) => x.type && FATAL_TYPES.has(x.type))) return false;
  if (all.some((x) => x.name === 'KafkaJSSASLAuthenticationError')) return false;
  return true;
}

const describe = (e: unknown): string => {
  const all = chain(e);
  const last = all[all.length - 1];
  const first = all[0];
  const text = last && last !== first ? `${first?.message}: ${last.message}` : (first?.message ?? String(e));
  return text.replace(/\s+/g, ' ').trim();
};

/** A kafkajs failure as a typed error; `what` says what the sink was doing. */
export function mapKafkaError(e: unknown, what: string, brokers: readonly string[]): CdcError {
  if (isCdcError(e)) return e;
  const type = protocolType(e);
  const where = brokers.join(',');
  const opts = { connector: 'kafka', cause: e };
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') {
    return new DataError(`${what}: Kafka refused a record as too large (${type})`, { ...opts, hint: "raise the topic's max.message.bytes (broker message.max.bytes), or make the rows smaller" });
  }
  if (type === 'TOPIC_AUTHORIZATION_FAILED' || type === 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' || type === 'CLUSTER_AUTHORIZATION_FAILED' || chain(e).some((x) => x.name === 'KafkaJSSASLAuthenticationError')) {
    return new AuthError(`${what}: Kafka at ${where} refused access (${type ?? describe(e)})`, { ...opts, hint: 'check the SASL credentials and the ACLs of the topic and transactional id' });
  }
  if (type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH') {
    return new SinkError(`${what}: another producer with the same transactional id took over (${type})`, { ...opts, hint: 'two pipelines may share a transactional id prefix: give each its own properties.transactional.id' });
  }
  if (type === 'INVALID_TRANSACTION_TIMEOUT') {
    return new SinkError(`${what}: the broker refused the transaction timeout`, { ...opts, hint: "set properties.transaction.timeout.ms at most the broker's transaction.max.timeout.ms (default 900000)" });
  }
  if (isRetriable(e)) {
    return new ConnectError(`${what}: cannot deliver to Kafka at ${where}: ${describe(e)}`, { ...opts, retryable: true, hint: 'check that the brokers are running and reachable' });
  }
  return new SinkError(`${what}: ${describe(e)}`, opts);
}
