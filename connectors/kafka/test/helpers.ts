/**
 * Test helpers: the real broker of tools/services/kafka, and reading a topic back to its end with a real
 * kafkajs consumer (read_committed). "The end" is found without timing: a sentinel record is produced to every
 * partition after the writes under test; a read_committed consumer sees it only once every transaction before
 * it is committed or aborted, and everything before it has been read.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type IHeaders } from 'kafkajs';

export const KAFKA_PORT = Number(process.env.CDC_KAFKA_PORT ?? 19092);
export const BOOTSTRAP = `127.0.0.1:${KAFKA_PORT}`;
export const SENTINEL_KEY = '__cdc_test_sentinel__';

const script = join(import.meta.dirname, '..', '..', '..', 'tools', 'services', 'kafka');

/** `tools/services/kafka start` (idempotent; the first run copies the jars from Maven). A failure is a test failure. */
export function ensureKafka(timeoutMs = 9 * 60_000): Promise<void> {
  return kafkaService('start', {}, timeoutMs);
}

/** Runs `tools/services/kafka <command>` with extra environment (another port or data dir: a second broker). */
export function kafkaService(command: 'start' | 'stop', env: Record<string, string>, timeoutMs = 9 * 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script, command], { timeout: timeoutMs, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tools/services/kafka ${command} failed: ${String(stdout)}${String(stderr)}`));
      else resolve();
    });
  });
}

export const kafka = new Kafka({ clientId: 'cdc-kafka-tests', brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING });

export async function createTopic(topic: string, partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

const headersOf = (h: IHeaders | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString() : String(v)]));

/** Every record of `topic` (all partitions, in offset order per partition), sentinels left out. */
export async function readTopic(topic: string, timeoutMs = 60_000, client: Kafka = kafka): Promise<ReadRecord[]> {
  const admin = client.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.map((p) => p.partitionId).sort((a, b) => a - b);
  await admin.disconnect();
  const nonce = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: partitions.map((partition) => ({ partition, key: SENTINEL_KEY, value: nonce })) });
  await producer.disconnect();

  const consumer = client.consumer({ groupId: `cdc-test-${nonce}`, readUncommitted: false, maxWaitTimeInMs: 200 });
  const out: ReadRecord[] = [];
  const seen = new Set<number>();
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic}: no sentinel on partitions ${partitions.filter((p) => !seen.has(p))} within ${timeoutMs} ms (read ${out.length})`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const key = message.key?.toString() ?? null;
            if (key === SENTINEL_KEY) {
              if (message.value?.toString() === nonce) seen.add(partition);
              if (seen.size === partitions.length) {
                clearTimeout(timer);
                resolve();
              }
              return;
            }
            if (seen.has(partition)) return;
            out.push({ topic, partition, offset: message.offset, key, value: message.value?.toString() ?? null, headers: headersOf(message.headers) });
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Records with the time-dependent fields (`ts_ms`, `ts` — processing time) replaced by 0. */
export function withoutProcessingTime(value: string | null): string | null {
  return value === null ? null : value.replace(/,"ts_ms":\d+}$/, ',"ts_ms":0}').replace(/,"ts_ms":\d+}}$/, ',"ts_ms":0}}').replace(/,"ts":\d+,"isDdl"/, ',"ts":0,"isDdl"');
}

/**
 * Every record of `topic` as Kafka's own console consumer (Java, `isolation.level=read_committed`) reads it:
 * the reference for what a read_committed consumer sees. kafkajs 2.2.4's consumer can hand out records of an
 * aborted transaction (seen here after a kill -9: two records of an aborted transaction returned next to their
 * committed replay), so the exactly-once test counts with this one. Sentinels are left out.
 */
export function readTopicWithJava(topic: string, maxMessages?: number): Promise<ReadRecord[]> {
  const args = [
    script, 'run-class', 'org.apache.kafka.tools.consumer.ConsoleConsumer', '--bootstrap-server', BOOTSTRAP, '--topic', topic, '--from-beginning',
    // with maxMessages it stops there (a duplicate then shows as a gap further on); the idle timeout is only
    // reached when records are missing, or, without maxMessages, at the end
    '--isolation-level', 'read_committed', '--timeout-ms', maxMessages ? '30000' : '10000', ...(maxMessages ? ['--max-messages', String(maxMessages)] : []),
    '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.key=true', '--property', 'key.separator=\t',
  ];
  return new Promise((resolve, reject) => {
    execFile('bash', args, { maxBuffer: 256 * 1024 * 1024 }, (_err, stdout, stderr) => {
      const out: ReadRecord[] = [];
      for (const line of String(stdout).split('\n')) {
        const m = /^Partition:(\d+)\tOffset:(\d+)\t(.*?)\t(.*)$/.exec(line);
        if (!m) continue;
        if (m[3] === SENTINEL_KEY) continue;
        out.push({ topic, partition: Number(m[1]), offset: m[2], key: m[3] === 'null' ? null : m[3], value: m[4] === 'null' ? null : m[4], headers: {} });
      }
      // the console consumer ends with an exit code != 0 on its idle timeout; no record at all is the failure
      if (!out.length) reject(new Error(`the console consumer read nothing from ${topic}:\n${String(stderr).slice(-2000)}`));
      else resolve(out);
    });
  });
}
