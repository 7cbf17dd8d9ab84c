/**
 * The kafka sink against @cdc/testkit, exactly-once, on the real broker. The verifier reads the table's topic
 * back with a read_committed consumer and folds the debezium-json change log into table state (topic-state.ts).
 */
import { afterAll, beforeAll } from 'vitest';
import { tableIdString } from '@cdc/core';
import { describeSinkConformance } from '@cdc/testkit';
import { kafkaSinkFactory } from '../src/index.js';
import { BOOTSTRAP, deleteTopics, ensureKafka, kafka, readTopic } from './helpers.js';
import { foldTopic } from './topic-state.js';

const DB = `cdc_kafka_tk_${Date.now().toString(36)}`;

beforeAll(() => ensureKafka(), 600_000);
afterAll(() => deleteTopics(DB).catch(() => undefined));

async function topicExists(topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

describeSinkConformance({
  factory: kafkaSinkFactory,
  options: () => ({
    'properties.bootstrap.servers': BOOTSTRAP,
    'sink.delivery-guarantee': 'exactly-once',
    'properties.transactional.id': `${DB}-tx`,
    'debezium-json.include-schema.enabled': true,
    'partition.strategy': 'hash-by-key',
  }),
  invalidOptions: [
    { options: { 'properties.bootstrap.servers': '127.0.0.1:1' }, error: /cannot deliver to Kafka at 127\.0\.0\.1:1/ },
    { options: { 'properties.bootstrap.servers': undefined }, error: /properties\.bootstrap\.servers/ },
    { options: { 'value.format': 'canal-json' }, error: /debezium-json\.include-schema\.enabled.*needs value\.format: debezium-json/ },
    { options: { 'sink.custom-header': 'a:b:c' }, error: /sink\.custom-header.*malformed/ },
  ],
  verifier: {
    readRows: async (t) => {
      const topic = tableIdString(t);
      if (!(await topicExists(topic))) return [];
      return foldTopic(await readTopic(topic));
    },
    reset: async () => undefined,
  },
  database: DB,
  timeoutMs: 90_000,
});
