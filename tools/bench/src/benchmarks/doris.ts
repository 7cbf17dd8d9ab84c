/**
 * Doris sink throughput: rows/s of generated inserts through the sink (writer, JSON serialization, labels,
 * stream load HTTP with 100-continue) into the Doris emulator, as a ratio to the raw HTTP upper bound measured
 * in the same run: the same JSON-lines bodies (same row count each) PUT directly to the emulator's BE by a
 * minimal client, body building not timed. The emulator runs in its own process (tools/stream-load-emulator)
 * with MariaDB as storage, so both sides pay the same storage cost; then peak RSS while the BE is slow, with a
 * small buffer (memory must stay bounded: write() waits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { column, DataTypes as T, Events, schema, tableId, validateOptions, type DataSink, type Event, type SinkWriter } from '@cdc/core';
import { dorisSinkFactory, httpRequest, basicAuth, rowWriter } from '@cdc/connector-doris';
import { ensureService } from '@cdc/services';
import { argNumber, type Benchmark } from '../bench.js';

const DB = 'cdc_dsr_bench';
const cols = [column('id', T.BIGINT(false)), column('name', T.VARCHAR(40)), column('amount', T.DECIMAL(18, 4)), column('ts', T.TIMESTAMP(6)), column('qty', T.INT())];
const tableSchema = schema({ columns: cols, primaryKeys: ['id'] });
const BATCH = 1000;
const ROWS_PER_LOAD = 100_000;

const row = (i: number): unknown[] => [BigInt(i), `name-${i}`, `${i}.5000`, '2024-01-02T03:04:05.123456', i % 1000];

interface Emu {
  child: ChildProcess;
  fe: number;
  be: number;
  mysql: number;
}

/** The emulator in its own process on free ports (its main prints them). */
async function startEmulatorProcess(): Promise<Emu> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, 'tools/stream-load-emulator/src/main.ts'), 'doris'], {
    cwd: join(root, 'tools/stream-load-emulator'),
    env: { ...process.env, CDC_DORIS_FE_HTTP_PORT: '0', CDC_DORIS_BE_HTTP_PORT: '0', CDC_DORIS_FE_MYSQL_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out);
    });
    child.on('exit', (code) => reject(new Error(`emulator exited (${code})`)));
  });
  const m = /FE http (\d+), BE http (\d+), FE mysql (\d+)/.exec(line);
  if (!m) throw new Error(`unexpected emulator output: ${line}`);
  return { child, fe: Number(m[1]), be: Number(m[2]), mysql: Number(m[3]) };
}

function sink(emu: Emu, extra: Record<string, unknown>): DataSink {
  const raw = {
    fenodes: `127.0.0.1:${emu.fe}`,
    username: 'root',
    password: '',
    'jdbc-url': `jdbc:mysql://127.0.0.1:${emu.mysql}`,
    'table.create.properties.replication_num': '1',
    'sink.buffer-flush.max-rows': ROWS_PER_LOAD,
    'sink.buffer-flush.max-bytes': '64mb',
    'sink.buffer-flush.interval': '1h',
    ...extra,
  };
  const { options } = validateOptions({ owner: 'doris', specs: dorisSinkFactory.options, prefixes: dorisSinkFactory.passThroughPrefixes ?? [], raw });
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  return dorisSinkFactory.create({ identifier: 'doris', options, pipeline: { name: 'bench', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' }, logger: quiet }) as DataSink;
}

async function writerFor(s: DataSink, table: string): Promise<{ w: SinkWriter; id: ReturnType<typeof tableId> }> {
  const id = tableId(DB, table);
  await s.metadataApplier().applySchemaChange(Events.createTable(id, tableSchema), new AbortController().signal);
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const w = await s.createWriter({ subtask: 0, parallelism: 1, signal: new AbortController().signal, logger: quiet, pipeline: { name: 'bench', parallelism: 1, localTimeZone: 'UTC', schemaChangeBehavior: 'lenient' } });
  await w.write([Events.createTable(id, tableSchema)]);
  return { w, id };
}

async function pump(w: SinkWriter, id: ReturnType<typeof tableId>, total: number, checkpointEvery: number): Promise<void> {
  let cp = 0;
  for (let start = 0; start < total; start += BATCH) {
    const batch: Event[] = [];
    for (let i = start; i < Math.min(total, start + BATCH); i++) batch.push(Events.insert(id, row(i)));
    await w.write(batch);
    if ((start + BATCH) % checkpointEvery === 0) await w.prepareCommit(++cp);
  }
  await w.prepareCommit(++cp);
}

export const dorisBenchmark: Benchmark = {
  name: 'doris',
  description: 'rows/s through the Doris sink into the emulator vs raw HTTP PUTs of the same bodies (--rows N, default 2000000)',
  async run(args, report) {
    const total = argNumber(args, 'rows', 2_000_000);
    await ensureService('mariadb');
    const emu = await startEmulatorProcess();
    try {
      const s = sink(emu, {});
      const fe = s.metadataApplier();
      await fe.applySchemaChange(Events.dropTable(tableId(DB, 'raw')), new AbortController().signal).catch(() => undefined);
      await fe.applySchemaChange(Events.dropTable(tableId(DB, 'sink')), new AbortController().signal).catch(() => undefined);

      // reference: the same bodies PUT straight to the BE, one after the other
      const { w: rawSetup } = await writerFor(s, 'raw');
      await rawSetup.close();
      const write = rowWriter(cols, 'UTC');
      let putMs = 0;
      for (let start = 0, i = 0; start < total; start += ROWS_PER_LOAD, i++) {
        // body building is not timed: the reference is the HTTP + load cost alone
        const lines: string[] = [];
        for (let r = start; r < Math.min(total, start + ROWS_PER_LOAD); r++) lines.push(write(row(r), '"__DORIS_DELETE_SIGN__":0'));
        const body = Buffer.from(lines.join('\n'));
        const t0 = performance.now();
        const res = await httpRequest({
          method: 'PUT',
          url: `http://127.0.0.1:${emu.be}/api/${DB}/raw/_stream_load`,
          headers: { Authorization: basicAuth('root', ''), format: 'json', read_json_by_line: 'true', hidden_columns: '__DORIS_DELETE_SIGN__', label: `raw-${Date.now()}-${i}` },
          body,
        });
        putMs += performance.now() - t0;
        if (!/"Status": "Success"/.test(res.text)) throw new Error(`raw load failed: ${res.text}`);
      }
      const rawRate = total / (putMs / 1000);
      report({ name: 'raw HTTP PUT (upper bound)', value: Math.round(rawRate), unit: 'rows/s' });
      // the sink's pass starts from the same storage state: an empty table, the reference's rows gone
      await fe.applySchemaChange(Events.dropTable(tableId(DB, 'raw')), new AbortController().signal);
      await new Promise((r) => setTimeout(r, 3000));

      // ours: events through the writer (serialization, buffering, labels, FE->BE, retries machinery)
      const { w, id } = await writerFor(s, 'sink');
      const t0 = performance.now();
      await pump(w, id, total, total); // one checkpoint at the end, as the raw client commits nothing in between
      const sinkRate = total / ((performance.now() - t0) / 1000);
      await w.close();
      report({ name: 'doris sink', value: Math.round(sinkRate), unit: 'rows/s' });

      // memory with a slow BE: 4 MB buffers, one load in flight, 300 ms per load
      await httpRequest({ method: 'POST', url: `http://127.0.0.1:${emu.fe}/_emulator/faults`, body: Buffer.from(JSON.stringify({ slowBeMs: 300 })) });
      const slow = sink(emu, { 'sink.buffer-flush.max-bytes': '4mb', 'sink.buffer-flush.max-rows': 1_000_000, 'sink.flush.queue-size': 1 });
      await slow.metadataApplier().applySchemaChange(Events.dropTable(tableId(DB, 'slow')), new AbortController().signal).catch(() => undefined);
      const { w: sw, id: sid } = await writerFor(slow, 'slow');
      const before = process.memoryUsage().rss;
      let peak = before;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const slowRows = Math.min(total, 400_000);
      await pump(sw, sid, slowRows, 10_000_000);
      clearInterval(timer);
      await sw.close();
      await slow.close?.();
      report({ name: `RSS growth with a slow BE (${slowRows} rows, 4 MB buffer, 300 ms/load)`, value: Math.round((peak - before) / 1024 / 1024), unit: 'MB' });
      for (const t of ['sink', 'slow']) await fe.applySchemaChange(Events.dropTable(tableId(DB, t)), new AbortController().signal).catch(() => undefined);
      await s.close?.();
      return { figures: [], ratios: { 'doris sink / raw HTTP': sinkRate / rawRate }, targets: { 'doris sink / raw HTTP': 0.8 } };
    } finally {
      emu.child.kill('SIGTERM');
    }
  },
};
