/**
 * End to end with the real `cdc` CLI (child process): MariaDB -> Doris (the emulator, in this process, over real
 * HTTP and MySQL protocol) with sink.enable-2pc. Snapshot with exact values (BIGINT UNSIGNED max -> LARGEINT,
 * DECIMAL(65,30) -> STRING, DATETIME(6)), live inserts/updates/deletes, ADD/DROP COLUMN; then kill -9 in the
 * middle of a stream of changes, changes while it is down, a restart: the tables read back through the
 * emulator's MySQL port equal the source, and an append-only (DUPLICATE KEY) table shows every change exactly
 * once — no duplicate from a replay, none lost — and no pre-committed transaction is left behind.
 * The scenario is shared with StarRocks: see stream-load-e2e.ts.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeStreamLoadE2e } from './stream-load-e2e.js';

describeStreamLoadE2e({
  flavour: 'doris',
  version: '2.1.7',
  db: 'cdc_dsr_doris_e2e',
  title: 'cdc run: MariaDB -> Doris (emulated) with 2PC',
  testName: 'snapshot, live changes and DDL with exact values; kill -9 mid-stream and restart: no loss, no duplicate',
  pipelineName: 'doris e2e',
  serverId: '5700-5701',
  connectorDir: join(import.meta.dirname, '..'),
  sink: (emu, prefix) => ({
    type: 'doris',
    fenodes: `127.0.0.1:${emu.feHttpPort}`,
    username: 'root',
    password: '',
    'jdbc-url': `jdbc:mysql://127.0.0.1:${emu.mysqlPort}`,
    'sink.enable-2pc': true,
    'sink.label-prefix': prefix,
    'sink.buffer-flush.max-rows': 50,
    'sink.buffer-flush.interval': '100ms',
    'table.create.properties.replication_num': 1,
  }),
  // The append-only copy of `events`: created beforehand as a DUPLICATE KEY table (the sink's CREATE TABLE IF NOT
  // EXISTS keeps it), so every change the sink loads is one more row and a replayed load would show as a duplicate.
  prepareSink: async (fe, db) => {
    await fe.query(`CREATE DATABASE ${db}`);
    await fe.query(`CREATE TABLE ${db}.events (id INT NOT NULL, ver INT NOT NULL) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1 PROPERTIES ("replication_num" = "1")`);
  },
  expectCreated: (ddl, columns) => {
    expect(ddl).toMatch(/UNIQUE KEY\(`id`\)/);
    expect(ddl).toMatch(/"enable_unique_key_merge_on_write" = "true"/);
    expect(columns).toEqual(['id LARGEINT', 'big LARGEINT', 'amount TEXT', 'price DECIMAL(20, 4)', 'at DATETIME(6)', 'note VARCHAR(60)']);
  },
  pendingStatus: 'PRECOMMITTED',
  pendingNoun: 'pre-committed loads',
  leftoverStatuses: ['PRECOMMITTED'],
  /** The DUPLICATE KEY copy holds, per id, exactly one row for every version from 0 to the source's current one. */
  exactlyOnce: async ({ src, fe, db }) => {
    const [s] = await src.query(`SELECT id, ver FROM ${db}.events ORDER BY id`);
    const [d] = await fe.query(`SELECT id, ver, COUNT(*) AS n FROM ${db}.events GROUP BY id, ver ORDER BY id, ver`);
    const got = new Map<string, string[]>();
    const dups: string[] = [];
    for (const r of d as { id: number; ver: number; n: number }[]) {
      if (Number(r.n) > 1) dups.push(`${r.id}@${r.ver}x${r.n}`);
      got.set(String(r.id), [...(got.get(String(r.id)) ?? []), String(r.ver)]);
    }
    const missing: string[] = [];
    for (const r of s as { id: number; ver: number }[]) {
      const want = Array.from({ length: r.ver + 1 }, (_, v) => String(v));
      if (JSON.stringify(got.get(String(r.id)) ?? []) !== JSON.stringify(want)) missing.push(`${r.id}: want 0..${r.ver}, got ${got.get(String(r.id))?.join(',')}`);
    }
    return { ok: !dups.length && !missing.length, detail: `duplicates: ${dups.join(' ') || 'none'}; mismatches: ${missing.slice(0, 5).join('; ') || 'none'}` };
  },
  expectedDetail: () => 'duplicates: none; mismatches: none',
});
