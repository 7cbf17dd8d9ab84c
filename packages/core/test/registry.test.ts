import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, ConnectorRegistry, systemSupports, versionMatches } from '../src/index.js';

/** Writes a fake connector package; `code` is its entry module. */
function pkg(root: string, name: string, cdc: unknown, code = '', extra: Record<string, unknown> = {}) {
  const dir = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.2.3', type: 'module', cdc, ...extra }));
  writeFileSync(join(dir, 'index.js'), code);
  return dir;
}

const sinkCode = (id: string) =>
  `export const factories = [{ identifier: '${id}', kind: 'sink', options: [], create() { return {}; } }];`;

function project() {
  const root = mkdtempSync(join(tmpdir(), 'cdc-reg-'));
  writeFileSync(join(root, 'package.json'), '{"name":"app"}');
  mkdirSync(join(root, 'node_modules'));
  return root;
}

describe('ConnectorRegistry', () => {
  it('finds packages by their cdc field without importing them, imports on first use', async () => {
    const root = project();
    pkg(root, '@acme/cdc-sink-foo', { identifiers: ['foo'], kind: 'sink', entry: './index.js' }, sinkCode('foo'), { peerDependencies: { '@cdc/core': '>=0.1.0' } });
    pkg(root, 'throws-on-import', { identifiers: ['boom'], kind: 'sink', entry: './index.js' }, 'throw new Error("kaboom at load");');
    pkg(root, 'not-a-connector', undefined, 'throw new Error("must never be imported")');
    const reg = ConnectorRegistry.discover({ projectDir: join(root), coreVersion: '0.1.0' });
    expect(reg.list().map((m) => m.packageName)).toEqual(['@acme/cdc-sink-foo', 'throws-on-import']);
    const f = await reg.load('foo', 'sink');
    expect(f.identifier).toBe('foo');
    // a connector that throws while loading is reported with its package name and does not break others
    await expect(reg.load('boom', 'sink')).rejects.toThrow(/connector package throws-on-import@1.2.3 failed to load .*kaboom at load/);
    expect((await reg.load('foo', 'sink')).identifier).toBe('foo');
  });

  it('not installed: lists what is installed and the package to install', async () => {
    const root = project();
    pkg(root, '@acme/cdc-sink-foo', { identifiers: ['foo'], kind: 'sink', entry: './index.js' }, sinkCode('foo'));
    const reg = ConnectorRegistry.discover({ projectDir: root });
    await expect(reg.load('doris', 'sink')).rejects.toThrow(/sink connector "doris" is not installed; installed: foo \(sink, @acme\/cdc-sink-foo\) — run npm install @cdc\/connector-doris/);
    await expect(reg.load('foo', 'source')).rejects.toThrow(/"foo" is installed \(@acme\/cdc-sink-foo\) but is not a source connector/);
  });

  it('two packages claiming one identifier: an error naming both', async () => {
    const root = project();
    pkg(root, 'a-foo', { identifiers: ['foo'], kind: 'sink', entry: './index.js' }, sinkCode('foo'));
    pkg(root, 'b-foo', { identifiers: ['foo'], kind: 'sink', entry: './index.js' }, sinkCode('foo'));
    const reg = ConnectorRegistry.discover({ projectDir: root });
    await expect(reg.load('foo', 'sink')).rejects.toThrow(/sink "foo" is provided by 2 packages: a-foo@1.2.3 .* and b-foo@1.2.3/);
  });

  it('a connector built for another core major is refused with a VersionError', async () => {
    const root = project();
    pkg(root, 'old-foo', { identifiers: ['foo'], kind: 'sink', entry: './index.js' }, sinkCode('foo'), { peerDependencies: { '@cdc/core': '^2.0.0' } });
    const reg = ConnectorRegistry.discover({ projectDir: root, coreVersion: '0.1.0' });
    expect(reg.compatibility(reg.list()[0])).toEqual({ compatible: false, reason: 'built for @cdc/core ^2.0.0, running @cdc/core is 0.1.0' });
    await expect(reg.load('foo', 'sink')).rejects.toMatchObject({ code: 'VERSION', message: expect.stringMatching(/old-foo@1.2.3 cannot be used: built for @cdc\/core \^2.0.0/) });
  });

  it('a malformed cdc field is reported with the package name; others still work', async () => {
    const root = project();
    pkg(root, 'bad-field', { identifiers: 'foo', kind: 'sink' });
    pkg(root, 'bad-kind', { identifiers: ['x'], kind: 'both' });
    pkg(root, 'good', { identifiers: ['good'], kind: 'sink', entry: './index.js' }, sinkCode('good'));
    const reg = ConnectorRegistry.discover({ projectDir: root });
    expect(reg.problems().map((p) => p.packageName).sort()).toEqual(['bad-field', 'bad-kind']);
    expect(reg.problems().find((p) => p.packageName === 'bad-kind')?.message).toMatch(/"cdc.kind" must be/);
    expect((await reg.load('good', 'sink')).identifier).toBe('good');
  });

  it('verify(): imports each package; one that throws or lacks a declared factory is named, the others load', async () => {
    const root = project();
    pkg(root, 'good', { identifiers: ['good'], kind: 'sink', entry: './index.js' }, sinkCode('good'));
    pkg(root, 'boom', { identifiers: ['boom'], kind: 'sink', entry: './index.js' }, 'throw new Error("native module missing");');
    pkg(root, 'half', { identifiers: ['half', 'other'], kind: 'sink', entry: './index.js' }, sinkCode('half'));
    const reg = ConnectorRegistry.discover({ projectDir: root });
    const byName = Object.fromEntries(await Promise.all(reg.list().map(async (m) => [m.packageName, await reg.verify(m)] as const)));
    expect(byName.good).toEqual({ ok: true });
    expect(byName.boom).toEqual({ ok: false, message: expect.stringMatching(/connector package boom@1\.2\.3 failed to load .*native module missing/) });
    expect(byName.half).toEqual({ ok: false, message: 'declares sink "other" in package.json but its module exports no such factory' });
  });

  it('a package.json that is not JSON is reported when it has a cdc field, ignored otherwise', () => {
    const root = project();
    const broken = pkg(root, 'broken-json', { identifiers: ['x'], kind: 'sink' });
    writeFileSync(join(broken, 'package.json'), '{ "name": "broken-json", "cdc": { "identifiers": ["x"], }');
    const other = pkg(root, 'other-broken', undefined);
    writeFileSync(join(other, 'package.json'), '{ "name": "other-broken", ');
    const reg = ConnectorRegistry.discover({ projectDir: root });
    expect(reg.problems()).toEqual([expect.objectContaining({ packageName: 'broken-json', message: 'package.json is not valid JSON' })]);
  });

  it('plugin dirs: a package dir, a folder of packages, a folder with node_modules', async () => {
    const root = project();
    const plug = mkdtempSync(join(tmpdir(), 'cdc-plug-'));
    const single = join(plug, 'single');
    mkdirSync(single);
    writeFileSync(join(single, 'package.json'), JSON.stringify({ name: 'single', version: '0.0.1', type: 'module', cdc: { identifiers: ['one'], kind: 'sink', entry: './index.js' } }));
    writeFileSync(join(single, 'index.js'), sinkCode('one'));
    const folder = mkdtempSync(join(tmpdir(), 'cdc-plug-'));
    pkg(folder, 'two-pkg', { identifiers: ['two'], kind: 'sink', entry: './index.js' }, sinkCode('two'));
    const reg = ConnectorRegistry.discover({ projectDir: root, pluginDirs: [single, folder, '/nonexistent/dir'] });
    expect(reg.list().map((m) => m.identifiers[0]).sort()).toEqual(['one', 'two']);
    expect(reg.list().every((m) => m.foundIn === 'plugin-dir')).toBe(true);
    expect(reg.problems()[0].message).toMatch(/plugin dir .* does not exist/);
    expect((await reg.load('one', 'sink')).identifier).toBe('one');
  });

  it('module without factories', async () => {
    const root = project();
    pkg(root, 'empty', { identifiers: ['e'], kind: 'sink', entry: './index.js' }, 'export const x = 1;');
    await expect(ConnectorRegistry.discover({ projectDir: root }).load('e', 'sink')).rejects.toThrow(/exports no factories/);
  });
});

describe('catalog and version matrix', () => {
  it('lists the 11 official connectors and values', () => {
    expect(CATALOG.map((c) => c.identifier).sort()).toEqual(
      ['doris', 'elasticsearch', 'fluss', 'iceberg', 'kafka', 'maxcompute', 'mysql', 'oceanbase', 'paimon', 'postgres', 'starrocks', 'values'].sort(),
    );
    const mysql = CATALOG.find((c) => c.identifier === 'mysql')!;
    expect(mysql.releases[0].systems.find((s) => s.name === 'MariaDB')?.versions).toEqual(['10.x']);
    expect(CATALOG.find((c) => c.identifier === 'doris')!.releases[0].systems[0].versions).toEqual(['1.2.x', '2.x', '3.x']);
  });
  it('matches server versions against patterns', () => {
    expect(versionMatches('10.x', '10.11.6-MariaDB-0+deb12u1')).toBe(true);
    expect(versionMatches('8.0.x', '8.0.36')).toBe(true);
    expect(versionMatches('8.0.x', '8.4.0')).toBe(false);
    expect(versionMatches('5.7', '5.7.44-log')).toBe(true);
    expect(versionMatches('5.7', '5.6.1')).toBe(false);
    expect(systemSupports({ name: 'MariaDB', versions: ['10.x'] }, '11.4.2-MariaDB')).toBe(false);
    expect(systemSupports({ name: 'Kafka', versions: [] }, '3.9.0')).toBe(true);
  });
});
