import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CORE_VERSION } from '@cdc/core';
import { coreRangeOf } from '../src/commands/new.js';
import { cli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cdc-new-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cdc new connector', () => {
  it('creates a sink package: cdc field, peer dependency on the running core line, testkit test', async () => {
    const r = await cli(['new', 'connector', 'acme-db', '--scope', '@acme'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created @acme/cdc-connector-acme-db (sink "acme-db"');
    const root = join(dir, 'cdc-connector-acme-db');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.cdc).toEqual({ identifiers: ['acme-db'], kind: 'sink' });
    expect(pkg.peerDependencies).toEqual({ '@cdc/core': coreRangeOf(CORE_VERSION) });
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    for (const f of ['src/index.ts', 'src/acme-db-sink.ts', 'src/acme-db-options.ts', 'test/conformance.test.ts', 'tsconfig.json', 'tsconfig.build.json', 'README.md']) {
      expect(existsSync(join(root, f)), f).toBe(true);
    }
    expect(readFileSync(join(root, 'src/index.ts'), 'utf8')).toContain('export const factories = [acmeDbSink];');
  });

  it('--kind source: a source package with a snapshot + change log reader', async () => {
    const r = await cli(['new', 'connector', 'acme-log', '--kind', 'source', '--dir', 'src-conn'], { cwd: dir });
    expect(r.code).toBe(0);
    const root = join(dir, 'src-conn');
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).cdc).toEqual({ identifiers: ['acme-log'], kind: 'source' });
    expect(readFileSync(join(root, 'test/conformance.test.ts'), 'utf8')).toContain('describeSourceConformance');
    expect(existsSync(join(root, 'src/acme-log-source.ts'))).toBe(true);
  });

  it('refuses bad names, a non-empty directory and an unknown kind, exit 2', async () => {
    for (const [args, msg] of [
      [['new', 'connector', 'Bad_Name'], /must be lower-case letters/],
      [['new', 'connector', 'acme-db', '--scope', '@acme'], /exists and is not empty/],
      [['new', 'connector', 'x', '--kind', 'both'], /--kind both is not valid/],
      [['new', 'thing'], /usage: cdc new connector <name>/],
    ] as const) {
      const r = await cli([...args], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('core range of a release line', () => {
    expect(coreRangeOf('0.1.3')).toBe('^0.1.0');
    expect(coreRangeOf('2.4.0')).toBe('^2.0.0');
  });
});
