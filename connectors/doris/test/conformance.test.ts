/**
 * @cdc/testkit's sink conformance, against the Doris emulator (tools/stream-load-emulator: real HTTP stream
 * load and MySQL protocol, MariaDB storage): once at-least-once (default) and once with sink.enable-2pc.
 */
import type mysql from 'mysql2/promise';
import { describeSinkConformance } from '@cdc/testkit';
import { readCoreRows, type Emulator } from '@cdc/stream-load-emulator';
import { useEmulator } from './emulator-fixture.js';
import { dorisSinkFactory } from '../src/index.js';

let emu: Emulator;
let fe: mysql.Connection;

useEmulator('doris', '2.1.7', ['cdc_testkit', 'cdc_testkit_2pc'], (f) => void ({ emu, fe } = f));

// at-least-once: DDL over the FE's HTTP SQL API (no jdbc-url, as in Flink CDC's example); 2PC: over jdbc-url.
const base = (mode: string) => ({
  fenodes: `127.0.0.1:${emu.feHttpPort}`,
  username: 'root',
  password: '',
  ...(mode === '2pc' ? { 'jdbc-url': `jdbc:mysql://127.0.0.1:${emu.mysqlPort}` } : {}),
  'table.create.properties.replication_num': '1',
});

for (const mode of ['at-least-once', '2pc'] as const) {
  const database = mode === '2pc' ? 'cdc_testkit_2pc' : 'cdc_testkit';
  describeSinkConformance({
    name: `doris sink conformance (${mode}, DDL over ${mode === '2pc' ? 'jdbc-url' : 'HTTP'}, emulated Doris 2.1)`,
    factory: dorisSinkFactory,
    options: () => ({ ...base(mode), ...(mode === '2pc' ? { 'sink.enable-2pc': true, 'sink.label-prefix': `testkit_${Date.now()}` } : {}) }),
    invalidOptions: [
      { options: { password: 'wrong' }, error: /Access denied|refused/ },
      { options: { fenodes: 'no-port' }, error: /expected host:port/ },
      { options: { 'charset-encoding': 'GBK' }, error: /only UTF-8/ },
    ],
    verifier: {
      readRows: async (t) => (await readCoreRows(fe, t.schema!, t.table)) ?? [],
      reset: async () => {
        await fe.query(`DROP DATABASE IF EXISTS ${database}`);
      },
    },
    database,
    // 2PC: a new sink started without state reuses checkpoint ids, so its labels collide with committed ones —
    // the sink refuses that (set a new sink.label-prefix), as Doris' own connector does.
    ...(mode === '2pc' ? { skip: ['replay' as const] } : {}),
  });
}
