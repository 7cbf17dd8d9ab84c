/**
 * A broker that goes down and comes back: a second, throwaway broker of tools/services/kafka (its own port and
 * data dir) is stopped while the sink (at-least-once) has records to deliver. The checkpoint does not complete
 * while the broker is down; once it is back, the sink's retries deliver and the checkpoint completes; every
 * change is in the topic, in order per key, the ones acknowledged before the outage exactly once.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { column, DataTypes, Events, schema, tableId } from '@cdc/core';
import { createTestLogger, factoryContext } from '@cdc/testkit';
import { kafkaSinkFactory } from '../src/index.js';
import { kafkaService, readTopic } from './helpers.js';

const PORT = Number(process.env.CDC_KAFKA_RESTART_TEST_PORT ?? 19192);
const dataDir = mkdtempSync(join(tmpdir(), 'cdc-kafka-restart-'));
// the jars the main broker already copied from Maven, when they are there
const sharedLib = join(import.meta.dirname, '..', '..', '..', 'tools', 'services', '.data', 'kafka', 'lib-3.9.1');
const env: Record<string, string> = { CDC_SERVICES_DATA: dataDir, CDC_KAFKA_PORT: String(PORT), CDC_KAFKA_CONTROLLER_PORT: String(PORT + 1), CDC_KAFKA_HEAP: '256m' };
if (!process.env.CDC_SERVICES_DATA && existsSync(join(sharedLib, '.complete'))) env.CDC_KAFKA_LIB_DIR = sharedLib;
const DB = `cdc_kafka_rs_${Date.now().toString(36)}`;

beforeAll(() => kafkaService('start', env), 600_000);
afterAll(async () => {
  await kafkaService('stop', env).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}, 180_000);

describe('kafka sink: broker down and back', () => {
  it('retries with backoff until the broker is back; nothing acknowledged before Kafka has it', async () => {
    const sink = kafkaSinkFactory.create(
      factoryContext(kafkaSinkFactory, { 'properties.bootstrap.servers': `127.0.0.1:${PORT}`, 'properties.delivery.timeout.ms': 300_000, 'properties.request.timeout.ms': 5000 }, createTestLogger()),
    );
    const writer = await sink.createWriter({ subtask: 0, parallelism: 1, signal: new AbortController().signal, logger: createTestLogger(), pipeline: { name: 'restart', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' } });
    const t = tableId(DB, 'orders');
    const sc = schema({ columns: [column('id', DataTypes.INT(false)), column('n', DataTypes.INT())], primaryKeys: ['id'] });
    await writer.write([Events.createTable(t, sc), ...Array.from({ length: 100 }, (_, i) => Events.insert(t, [i, 0]))]);
    await writer.prepareCommit(1);

    await kafkaService('stop', env);
    await writer.write(Array.from({ length: 100 }, (_, i) => Events.update(t, [i, 0], [i, 1])));
    let acked = false;
    const prepared = writer.prepareCommit(2).then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 3000));
    expect(acked, 'checkpoint completed while the broker was down').toBe(false);

    await kafkaService('start', env);
    await prepared;
    await writer.close();
    await sink.close?.();

    const client = new Kafka({ clientId: 'cdc-kafka-restart-test', brokers: [`127.0.0.1:${PORT}`], logLevel: logLevel.NOTHING });
    const records = await readTopic(`${DB}.orders`, 60_000, client);
    const byId = new Map<number, number[]>();
    for (const r of records) {
      const a = (JSON.parse(r.value!) as { after: { id: number; n: number } }).after;
      byId.set(a.id, [...(byId.get(a.id) ?? []), a.n]);
    }
    expect(byId.size).toBe(100);
    for (const [id, ns] of byId) {
      expect(ns[0], `key ${id}: the insert acknowledged before the outage, once`).toBe(0);
      expect(ns.filter((n) => n === 0)).toHaveLength(1);
      expect(ns.slice(1).every((n) => n === 1) && ns.length >= 2, `key ${id}: ${ns}`).toBe(true);
    }
  }, 300_000);
});
