/**
 * `cdc check --connect` against the version matrix: a source package that claims the official identifier
 * "mysql" and reports a server version from its check(), so both verdicts can be seen without a MySQL 9.
 * (The real connector reading a real MariaDB's version is tested in tools/registry-tests.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeMysql(version: string): string {
  const pkg = join(dir, `fake-mysql-${version}`);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'fake-mysql', version: '0.1.0', type: 'module', exports: './index.js', peerDependencies: { '@cdc/core': '^0.1.0' }, cdc: { identifiers: ['mysql'], kind: 'source' } }),
  );
  writeFileSync(
    join(pkg, 'index.js'),
    `export const factories = [{
  kind: 'source', identifier: 'mysql', options: [],
  create: () => ({
    metadata: () => ({ listTables: async () => [], getTableSchema: async () => { throw new Error('no tables'); } }),
    createReader: () => ({ async *read() {}, async close() {} }),
    check: async () => ({ system: 'MySQL', version: ${JSON.stringify(version)}, problems: [] }),
  }),
}];
`,
  );
  return pkg;
}

const pipeline = join(dir, 'p.yaml');
writeFileSync(pipeline, 'source:\n  type: mysql\nsink:\n  type: values\n');

describe('cdc check --connect: server version against the version matrix', () => {
  it('a supported version: OK, exit 0', async () => {
    const r = await cli(['check', pipeline, '--connect', '--plugin-dir', fakeMysql('8.0.36')]);
    expect(r.stdout).toMatch(/source server\s+OK\s+MySQL 8\.0\.36 \(supported: 5\.6, 5\.7, 8\.0\.x\)/);
    expect(r.code).toBe(0);
  });

  it('a version outside the list: FAIL row, verdict FAILED, exit 2; --json says the same', async () => {
    const r = await cli(['check', pipeline, '--connect', '--plugin-dir', fakeMysql('9.1.0')]);
    expect(r.stdout).toMatch(/source server\s+FAIL\s+MySQL 9\.1\.0 is outside the supported versions \(5\.6, 5\.7, 8\.0\.x\)/);
    expect(r.stdout).toMatch(/verdict: FAILED: 1 problem/);
    expect(r.code).toBe(2);
    const j = await cli(['check', pipeline, '--connect', '--json', '--plugin-dir', fakeMysql('9.1.0')]);
    const out = JSON.parse(j.stdout) as { verdict: string; exitCode: number; checks: { check: string; result: string }[] };
    expect(out.verdict).toBe('fail');
    expect(out.exitCode).toBe(2);
    expect(out.checks).toContainEqual(expect.objectContaining({ check: 'source server', result: 'fail' }));
  });
});
