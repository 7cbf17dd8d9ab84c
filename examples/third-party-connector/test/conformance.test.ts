/**
 * The @cdc/testkit conformance suite against the jsonfile sink, with the files in a temporary directory as
 * the "external system". Uses only the published APIs of @cdc/core and @cdc/testkit.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSinkConformance } from '@cdc/testkit';
import { afterAll } from 'vitest';
import { jsonFileSink, readRows } from '../src/index.js';
import { readTableFile } from '../src/table-file.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-jsonfile-'));
// a path below a plain file can never be created
const blockerDir = mkdtempSync(join(tmpdir(), 'cdc-jsonfile-blocker-'));
const blocker = join(blockerDir, 'a-file');
writeFileSync(blocker, '');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(blockerDir, { recursive: true, force: true });
});

describeSinkConformance({
  factory: jsonFileSink,
  options: () => ({ path: dir }),
  invalidOptions: [
    { options: { path: undefined }, error: /required option "path" is missing/ },
    { options: { path: join(blocker, 'tables') }, error: /cannot create the jsonfile directory/ },
  ],
  verifier: {
    readRows: async (id) => readRows(dir, id),
    readSchema: async (id) => readTableFile(dir, id)?.schema,
    reset: async () => {
      for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true });
    },
  },
});
