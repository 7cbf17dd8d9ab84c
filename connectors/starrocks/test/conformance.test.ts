/**
 * @cdc/testkit's sink conformance, against the StarRocks emulator (tools/stream-load-emulator: real HTTP and
 * MySQL protocol, MariaDB storage): at-least-once over transaction stream load (3.3), exactly-once (3.3), and
 * at-least-once over plain stream load on 2.3 (no transaction API).
 */
import { afterAll, beforeAll } from 'vitest';
import type mysql from 'mysql2/promise';
import { describeSinkConformance } from '@cdc/testkit';
import { ensureService, mariadbConfig } from '@cdc/services';
import { feConnection, readCoreRows, startEmulator, type Emulator } from '@cdc/stream-load-emulator';
import { starRocksSinkFactory } from '../src/index.js';

const emus: Record<string, Emulator> = {};
const fes: Record<string, mysql.Connection> = {};

beforeAll(async () => {
  await ensureService('mariadb');
  for (const v of ['3.3.5', '2.3.0']) {
    emus[v] = await startEmulator({ flavour: 'starrocks', version: v, storage: mariadbConfig() });
    fes[v] = await feConnection({ port: emus[v].mysqlPort });
  }
}, 600_000);

afterAll(async () => {
  for (const v of Object.keys(emus)) {
    for (const db of ['cdc_testkit_sr', 'cdc_testkit_sr_eo', 'cdc_testkit_sr23']) await fes[v]?.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await fes[v]?.end();
    await emus[v]?.close();
  }
});

const runs = [
  { name: 'at-least-once, transaction stream load, emulated StarRocks 3.3', version: '3.3.5', database: 'cdc_testkit_sr', extra: {} },
  { name: 'exactly-once, emulated StarRocks 3.3', version: '3.3.5', database: 'cdc_testkit_sr_eo', extra: { 'sink.semantic': 'exactly-once' } },
  { name: 'at-least-once, plain stream load, emulated StarRocks 2.3', version: '2.3.0', database: 'cdc_testkit_sr23', extra: {} },
];

for (const run of runs) {
  describeSinkConformance({
    name: `starrocks sink conformance (${run.name})`,
    factory: starRocksSinkFactory,
    options: () => ({
      'jdbc-url': `jdbc:mysql://127.0.0.1:${emus[run.version].mysqlPort}`,
      'load-url': `127.0.0.1:${emus[run.version].feHttpPort}`,
      username: 'root',
      password: '',
      'table.create.properties.replication_num': '1',
      'table.create.num-buckets': 2,
      ...(run.extra['sink.semantic'] ? { 'sink.label-prefix': `testkit_${Date.now()}` } : {}),
      ...run.extra,
    }),
    invalidOptions: [
      { options: { password: 'wrong' }, error: /Access denied|refused/ },
      { options: { 'load-url': 'nohost' }, error: /expected host:port/ },
    ],
    verifier: {
      readRows: async (t) => (await readCoreRows(fes[run.version], t.schema!, t.table)) ?? [],
      reset: async () => {
        await fes[run.version].query(`DROP DATABASE IF EXISTS ${run.database}`);
      },
    },
    database: run.database,
    // exactly-once: a second sink started without state reuses checkpoint ids and labels, which the sink refuses.
    // 2.3: RENAME COLUMN does not exist before StarRocks 3.3, so schema changes are checked on 3.3 only.
    ...(run.extra['sink.semantic'] ? { skip: ['replay' as const] } : run.version === '2.3.0' ? { skip: ['schema' as const] } : {}),
  });
}
