/**
 * End to end with the real `cdc` CLI (child process): MariaDB -> StarRocks (the emulator, in this process, over
 * real HTTP and MySQL protocol) with sink.semantic exactly-once (transaction stream load). Snapshot with exact
 * values (BIGINT UNSIGNED max -> LARGEINT, DECIMAL(65,30) -> VARCHAR, DATETIME microseconds), live
 * inserts/updates/deletes, ADD/DROP COLUMN; then kill -9 while transactions are prepared, changes while it is
 * down, a restart: the tables read back through the emulator's MySQL port equal the source; the committed
 * loads of `events` hold exactly as many rows as the source produced changes (a replayed load would add rows),
 * and no prepared transaction is left behind. The scenario is shared with Doris: see
 * connectors/doris/test/stream-load-e2e.ts.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeStreamLoadE2e, norm, type Row } from '../../doris/test/stream-load-e2e.js';

describeStreamLoadE2e({
  flavour: 'starrocks',
  version: '3.3.5',
  db: 'cdc_dsr_sr_e2e',
  title: 'cdc run: MariaDB -> StarRocks (emulated) exactly-once',
  testName: 'snapshot, live changes and DDL with exact values; kill -9 mid-stream and restart: no loss, no duplicate',
  pipelineName: 'starrocks e2e',
  serverId: '5710-5711',
  connectorDir: join(import.meta.dirname, '..'),
  sink: (emu, prefix) => ({
    type: 'starrocks',
    'load-url': `127.0.0.1:${emu.feHttpPort}`,
    'jdbc-url': `jdbc:mysql://127.0.0.1:${emu.mysqlPort}`,
    username: 'root',
    password: '',
    'sink.semantic': 'exactly-once',
    'sink.label-prefix': prefix,
    'sink.buffer-flush.interval-ms': 100,
    'table.create.num-buckets': 2,
    'table.create.properties.replication_num': 1,
  }),
  expectCreated: (ddl, columns) => {
    expect(ddl).toMatch(/PRIMARY KEY\(`id`\)/);
    expect(ddl).toMatch(/DISTRIBUTED BY HASH\(`id`\) BUCKETS 2/);
    expect(columns).toEqual(['id LARGEINT', 'big LARGEINT', 'amount VARCHAR(67)', 'price DECIMAL(20, 4)', 'at DATETIME', 'note VARCHAR(60)']);
  },
  pendingStatus: 'PREPARED',
  pendingNoun: 'prepared transactions',
  leftoverStatuses: ['PREPARED', 'PREPARE'],
  /**
   * Exactly-once on a primary key table cannot be seen in its rows (a replay upserts the same values), so it is
   * checked on the loads: the committed (VISIBLE) transactions of `events` carry exactly one row per change the
   * source made — 30 snapshot rows, one per update and insert — and `events` equals the source.
   */
  exactlyOnce: async ({ src, fe, emu, db, prefix, eventChanges }) => {
    const [s] = await src.query(`SELECT * FROM ${db}.events ORDER BY id`);
    const [d] = await fe.query(`SELECT * FROM ${db}.events ORDER BY id`);
    const loaded = emu.labels(db, prefix).filter((l) => l.table === 'events' && l.status === 'VISIBLE').reduce((n, l) => n + l.rows, 0);
    const same = norm(s as Row[]) === norm(d as Row[]);
    return { ok: same && loaded === eventChanges, detail: `rows loaded by committed transactions: ${loaded} (source changes: ${eventChanges}); table equal: ${same}` };
  },
  expectedDetail: ({ eventChanges }) => `rows loaded by committed transactions: ${eventChanges} (source changes: ${eventChanges}); table equal: true`,
});
