/**
 * Child process of the snapshot benchmark: reads one table with a `mysql` source reader (scan.startup.mode
 * snapshot) and prints `{rows, secs, cpuSecs, peakRssMb}` as one JSON line. Run by bench/snapshot.ts.
 *
 *   node --conditions=source --import tsx connectors/mysql/bench/snapshot-reader.ts <db.table> [parallelism]
 */
import { readFileSync } from 'node:fs';
import { benchReader } from './bench-source.js';
import { tuneV8ForPipelines } from '@cdc/runtime';

// the V8 settings of the cdc CLI: measure what a pipeline process runs
tuneV8ForPipelines();

const [table, par = '1'] = process.argv.slice(2);
const parallelism = Number(par);
const { reader } = await benchReader({ tables: table, 'scan.startup.mode': 'snapshot', 'server-id': `5492-${5492 + Math.max(0, parallelism - 1)}` }, parallelism);

const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let rows = 0;
for await (const batch of reader.read()) {
  for (const e of batch.events) if (e.kind === 'data') rows++;
  // the runner takes the state of the batches that carry one at checkpoints; take every one (upper bound)
  batch.state?.();
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
await reader.close();
const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const peakRssMb = m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 1024 / 1024);
process.stdout.write(JSON.stringify({ rows, secs, cpuSecs, peakRssMb }) + '\n');
process.exit(0);
