/**
 * `npm run demo -- values`: runs values-pipeline.yaml through the real CLI code path (registry, YAML, routes,
 * transform, schema evolution, checkpoints) and prints the sink tables at the end. No server needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@cdc/cli';
import { tableIdString } from '@cdc/core';
import { ValuesDatabase } from '@cdc/connector-values';

export async function valuesDemo(): Promise<number> {
  const here = dirname(fileURLToPath(import.meta.url));
  const stateDir = mkdtempSync(join(tmpdir(), 'cdc-demo-'));
  const pipeline = join(here, 'values-pipeline.yaml');
  try {
    process.stdout.write(`\n== cdc run ${pipeline}\n\n`);
    const code = await main(['run', pipeline, '--state-dir', stateDir, '--no-progress']);
    if (code === 0) {
      const db = ValuesDatabase.instance('default');
      process.stdout.write('\n== sink tables after the run\n');
      for (const id of db.tables()) {
        const schema = db.schema(id)!;
        process.stdout.write(`\n${tableIdString(id)} (${schema.columns.map((c) => c.name).join(', ')})\n`);
        for (const row of db.rows(id)) process.stdout.write(`  ${row.map((v) => (v === null ? 'NULL' : String(v))).join(' | ')}\n`);
      }
    }
    return code;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
