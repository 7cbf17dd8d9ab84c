/**
 * The packages as users get them: published with the documented command (`pnpm publish -r`, which replaces
 * `workspace:` ranges with real ones) to a real local registry (verdaccio from tools/services/registry, a new
 * storage dir per run, never the public registry), then installed with npm into clean projects outside the
 * workspace. Only @cdc/* (and the example's @acme/*) come from the local registry: a scoped registry in the
 * project's .npmrc, so every other dependency (mysql2, yaml, semver, vitest ...) resolves through the registry
 * npm is configured with on this machine.
 *
 * What is published: the run-time closure of @cdc/cli, @cdc/connector-values, @cdc/connector-mysql and
 * @cdc/testkit, computed from the manifests (a new connector of another helper is not needed here and a
 * half-written one cannot break this test). Every public workspace package, whatever it is, gets the static
 * manifest checks.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, isPublic, ok, repoRoot, run, runtimeClosure, startRegistry, stopRegistry, workspacePackages, type Registry, type WorkspacePackage } from './registry.js';

const ROOTS = ['@cdc/cli', '@cdc/connector-values', '@cdc/connector-mysql', '@cdc/testkit'];
const EXAMPLE = join(repoRoot, 'examples', 'third-party-connector');
const EXAMPLE_NAME = '@acme/cdc-connector-jsonfile';

const all = workspacePackages();
const publicPackages = all.filter(isPublic);
const toPublish = runtimeClosure(all, ROOTS);

const work = mkdtempSync(join(tmpdir(), 'cdc-registry-test-'));
const app = join(work, 'app'); // the user's project
const acme = join(work, 'acme'); // the third party's connector project
let registry: Registry;

const npm = (args: string[], cwd: string, timeoutMs = 240_000) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeoutMs });
const cdc = (args: string[], cwd = app) => run('npx', ['--no-install', 'cdc', ...args], { cwd, timeoutMs: 120_000 });
const scopedRegistries = () => `@cdc:registry=${registry.url}\n@acme:registry=${registry.url}\n`;

beforeAll(async () => {
  const missing = toPublish.filter((p) => !existsSync(join(p.dir, 'dist')));
  if (missing.length) throw new Error(`not built: ${missing.map((p) => p.name).join(', ')} — run npm run build first (npm test does)`);
  registry = await startRegistry(join(work, 'registry-storage'));
  // The documented release command, limited to what this test installs.
  const pnpm = join(repoRoot, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  const filters = toPublish.flatMap((p) => ['--filter', p.name]);
  ok(
    await run(process.execPath, [pnpm, 'publish', '-r', ...filters, '--no-git-checks', '--registry', registry.url], {
      cwd: repoRoot,
      env: cleanEnv({ npm_config_userconfig: registry.npmrc }),
      timeoutMs: 300_000,
    }),
    'pnpm publish -r',
  );
  mkdirSync(app, { recursive: true });
}, 900_000);

afterAll(async () => {
  if (registry) await stopRegistry();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('every public package: manifest fit for publishing', () => {
  it.each(publicPackages.map((p) => [p.name, p] as const))('%s', (_name, p: WorkspacePackage) => {
    const m = p.manifest as Record<string, any>;
    const problems: string[] = [];
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(p.version)) problems.push(`version "${p.version}" is not semver`);
    if (m.type !== 'module') problems.push('"type" must be "module"');
    if (!m.license) problems.push('no "license"');
    if (!m.engines?.node) problems.push('no "engines.node"');
    if (m.publishConfig?.access !== 'public') problems.push('"publishConfig.access" must be "public" (scoped packages are private by default)');
    if (!Array.isArray(m.files) || !m.files.includes('dist')) problems.push('"files" must include "dist"');
    const dot = m.exports?.['.'];
    if (typeof dot !== 'object' || !dot?.types || !dot?.default) problems.push('"exports"."." needs "types" and "default"');
    else {
      if (dot.types !== m.types) problems.push(`"types" (${m.types}) differs from exports "types" (${dot.types})`);
      if (!String(dot.default).startsWith('./dist/')) problems.push(`exports "default" ${dot.default} is not in dist/`);
      if (dot.source && !(m.files as string[]).includes('src')) problems.push('the "source" export condition points into src/, which "files" leaves out');
    }
    if (m.cdc !== undefined) {
      if (!m.peerDependencies?.['@cdc/core']) problems.push('a connector must have a peerDependency on @cdc/core (one core per process)');
      if (m.dependencies?.['@cdc/core']) problems.push('a connector must not depend on @cdc/core directly (use peerDependencies)');
    }
    for (const [field, deps] of Object.entries({ dependencies: m.dependencies, peerDependencies: m.peerDependencies })) {
      for (const [d, range] of Object.entries((deps ?? {}) as Record<string, string>)) {
        const target = all.find((x) => x.name === d);
        if (target && !isPublic(target)) problems.push(`${field} names the private package ${d}`);
        if (String(range).startsWith('workspace:') && !/^workspace:[\^~]$/.test(String(range))) problems.push(`${field}.${d} "${range}" publishes as an exact version; use "workspace:^"`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('changesets: the documented release flow', () => {
  it('changeset version (on a copy of the manifests) gives every public package a new version and a CHANGELOG', async () => {
    const copy = join(work, 'changesets');
    // The repo's pending changesets (they must name real packages) plus one patch for every public package, so
    // the check holds right after a release too, when no changeset is pending.
    cpSync(join(repoRoot, '.changeset'), join(copy, '.changeset'), { recursive: true });
    const everyPackage = publicPackages.map((p) => `"${p.name}": patch`).join('\n');
    writeFileSync(join(copy, '.changeset', 'cdc-registry-test-all.md'), `---\n${everyPackage}\n---\n\nRelease flow check.\n`);
    for (const f of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(repoRoot, f), join(copy, f));
    for (const p of all) cpSync(join(p.dir, 'package.json'), join(copy, p.dir.slice(repoRoot.length), 'package.json'));
    const bin = join(repoRoot, 'node_modules', '@changesets', 'cli', 'bin.js');
    ok(await run(process.execPath, [bin, 'version'], { cwd: copy, timeoutMs: 120_000 }), 'changeset version');
    const problems: string[] = [];
    for (const p of publicPackages) {
      const dir = join(copy, p.dir.slice(repoRoot.length));
      const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; peerDependencies?: Record<string, string> };
      if (m.version === p.version) problems.push(`${p.name}: version stayed ${p.version}`);
      if (!existsSync(join(dir, 'CHANGELOG.md'))) problems.push(`${p.name}: no CHANGELOG.md`);
      else if (!readFileSync(join(dir, 'CHANGELOG.md'), 'utf8').includes(`## ${m.version}`)) problems.push(`${p.name}: CHANGELOG.md has no section for ${m.version}`);
      const peer = m.peerDependencies?.['@cdc/core'];
      if (peer && !peer.startsWith('workspace:')) problems.push(`${p.name}: peerDependency @cdc/core became "${peer}"`);
    }
    expect(problems).toEqual([]);
  });
});

describe('published to the local registry, installed with npm into a clean project', () => {
  it('the registry serves the published manifests with real semver ranges, no workspace: protocol', async () => {
    for (const p of toPublish) {
      // the packument, as npm reads it: GET <registry>/@scope%2fname
      const res = await fetch(new URL(p.name.replace('/', '%2f'), registry.url));
      expect(res.status, p.name).toBe(200);
      const meta = ((await res.json()) as { versions: Record<string, Record<string, unknown>> }).versions[p.version];
      expect(meta?.version, `${p.name}@${p.version} in the registry`).toBe(p.version);
      expect(JSON.stringify([meta.dependencies, meta.peerDependencies])).not.toContain('workspace:');
    }
  });

  it('npm install @cdc/cli @cdc/connector-values @cdc/connector-mysql; cdc connectors lists exactly those', async () => {
    ok(await npm(['init', '-y'], app), 'npm init');
    writeFileSync(join(app, '.npmrc'), scopedRegistries());
    ok(await npm(['install', '@cdc/cli', '@cdc/connector-values', '@cdc/connector-mysql'], app), 'npm install');
    const r = ok(await cdc(['connectors', '--json']), 'cdc connectors --json');
    const out = JSON.parse(r.stdout) as { connectors: { identifier: string; package: string; compatible: boolean }[]; problems: unknown[] };
    expect(out.connectors.map((c) => `${c.identifier} ${c.package} ${c.compatible}`).sort()).toEqual([
      'mysql @cdc/connector-mysql true',
      'values @cdc/connector-values true',
    ]);
    expect(out.problems).toEqual([]);
    const table = ok(await cdc(['connectors']), 'cdc connectors').stdout;
    expect(table).toMatch(/mysql\s+source\s+@cdc\/connector-mysql\s+0\.1\.0/);
  });

  it('every installed @cdc package imports, and its types are where "types" says', async () => {
    const installed = toPublish.filter((p) => existsSync(join(app, 'node_modules', p.name)));
    expect(installed.map((p) => p.name)).toEqual(expect.arrayContaining(['@cdc/core', '@cdc/runtime', '@cdc/cli', '@cdc/connector-values', '@cdc/connector-mysql']));
    for (const p of installed) {
      const dir = join(app, 'node_modules', p.name);
      const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { types: string; exports: Record<string, Record<string, string>> };
      expect(existsSync(join(dir, m.types)), `${p.name}: ${m.types}`).toBe(true);
      expect(existsSync(join(dir, m.exports['.'].default)), `${p.name}: ${m.exports['.'].default}`).toBe(true);
      const r = await run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(p.name)}); console.log(Object.keys(m).length)`], { cwd: app });
      expect(r.stderr, `import ${p.name}`).toBe('');
      expect(Number(r.stdout.trim()), `exports of ${p.name}`).toBeGreaterThan(0);
    }
  });

  it('a values pipeline runs with npx cdc run', async () => {
    writeFileSync(
      join(app, 'values.yaml'),
      `source:
  type: values
  events: |
    - {op: create, table: app.orders, schema: {columns: [{name: id, type: BIGINT NOT NULL}, {name: amount, type: "DECIMAL(38, 10)"}], primaryKeys: [id]}}
    - {op: insert, table: app.orders, after: {id: "9223372036854775807", amount: "12345678901234567890.1234567890"}}
    - {op: insert, table: app.orders, after: {id: "2", amount: "-0.0000000001"}}
    - {op: delete, table: app.orders, before: {id: "2"}}
sink:
  type: values
  print.enabled: true
pipeline:
  name: registry values
`,
    );
    const r = ok(await cdc(['run', 'values.yaml', '--no-progress']), 'cdc run values.yaml');
    expect(r.stdout).toContain('after=[9223372036854775807, 12345678901234567890.1234567890]');
    expect(r.stderr).toMatch(/finished: 4 events/);
  });

  it('cdc check --connect reads the MariaDB version live and finds it in the version matrix', async () => {
    ok(await run('bash', [join(repoRoot, 'tools', 'services', 'mariadb'), 'start'], { cwd: repoRoot, timeoutMs: 600_000 }), 'tools/services/mariadb start');
    writeFileSync(
      join(app, 'mysql.yaml'),
      `source:
  type: mysql
  hostname: 127.0.0.1
  port: ${process.env.CDC_MARIADB_PORT ?? 13306}
  username: cdc
  password: cdc
  tables: cdc_registry_test.\\.*
sink:
  type: values
`,
    );
    const r = await cdc(['check', 'mysql.yaml', '--connect']);
    expect(r.stdout, r.stderr).toMatch(/source server\s+OK\s+MariaDB 10\.\d+\.\d+\S* \(supported: 10\.x\)/);
    expect(r.stdout).toMatch(/verdict: OK/);
    expect(r.code).toBe(0);
  });
});

describe('a third-party connector, written against the published @cdc/core and @cdc/testkit', () => {
  it('its own project installs from the registry, passes the testkit conformance suite and publishes', async () => {
    mkdirSync(acme, { recursive: true });
    for (const f of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'src', 'test']) cpSync(join(EXAMPLE, f), join(acme, f), { recursive: true });
    const token = readFileSync(registry.npmrc, 'utf8');
    writeFileSync(join(acme, '.npmrc'), token);
    ok(await npm(['install'], acme, 600_000), 'npm install (third-party project)');
    expect(JSON.parse(readFileSync(join(acme, 'node_modules', '@cdc', 'testkit', 'package.json'), 'utf8')).version).toBe(all.find((p) => p.name === '@cdc/testkit')!.version);
    const t = await run('npx', ['--no-install', 'vitest', 'run', '--reporter=verbose'], { cwd: acme, timeoutMs: 300_000 });
    ok(t, 'vitest run (third-party conformance)');
    expect(t.stdout).toMatch(/jsonfile sink conformance/);
    expect(t.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(t.stdout).not.toMatch(/failed|skipped/);
    ok(await npm(['publish'], acme), 'npm publish (third-party project)');
  });

  it('cdc new connector (from the installed cli) makes a sink and a source that pass the testkit as generated', async () => {
    ok(await cdc(['new', 'connector', 'acme-db', '--scope', '@acme', '--dir', join(work, 'acme-db')]), 'cdc new connector');
    const gen = join(work, 'acme-db');
    // It needs what the example project installed (same dev dependencies): share its node_modules, no second install.
    const devDeps = (dir: string) => Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).devDependencies).sort();
    expect(devDeps(gen)).toEqual(devDeps(acme));
    symlinkSync(join(acme, 'node_modules'), join(gen, 'node_modules'), 'dir');
    const t = ok(await run('npx', ['--no-install', 'vitest', 'run'], { cwd: gen, timeoutMs: 300_000 }), 'vitest run (generated project)');
    expect(t.stdout).toMatch(/Tests\s+\d+ passed/);
    ok(await npm(['run', 'typecheck'], gen), 'tsc (generated project)');
    // and a source
    const genSource = join(work, 'acme-log');
    ok(await cdc(['new', 'connector', 'acme-log', '--kind', 'source', '--dir', genSource]), 'cdc new connector --kind source');
    symlinkSync(join(acme, 'node_modules'), join(genSource, 'node_modules'), 'dir');
    const ts = ok(await run('npx', ['--no-install', 'vitest', 'run'], { cwd: genSource, timeoutMs: 300_000 }), 'vitest run (generated source)');
    expect(ts.stdout).toMatch(/Tests\s+\d+ passed/);
    ok(await npm(['run', 'typecheck'], genSource), 'tsc (generated source)');
  });

  it('npm install of one more connector makes it usable with no other step', async () => {
    ok(await npm(['install', EXAMPLE_NAME], app), `npm install ${EXAMPLE_NAME}`);
    const list = JSON.parse(ok(await cdc(['connectors', '--json']), 'cdc connectors').stdout) as { connectors: { identifier: string }[] };
    expect(list.connectors.map((c) => c.identifier).sort()).toEqual(['jsonfile', 'mysql', 'values']);
    writeFileSync(
      join(app, 'to-files.yaml'),
      `source:
  type: values
  events: |
    - {op: create, table: app.orders, schema: {columns: [{name: id, type: BIGINT NOT NULL}, {name: amount, type: "DECIMAL(38, 10)"}], primaryKeys: [id]}}
    - {op: insert, table: app.orders, after: {id: "9223372036854775807", amount: "12345678901234567890.1234567890"}}
    - {op: insert, table: app.orders, after: {id: "2", amount: "1.5"}}
    - {op: update, table: app.orders, before: {id: "2"}, after: {id: "2", amount: "2.5"}}
sink:
  type: jsonfile
  path: ./tables
`,
    );
    ok(await cdc(['run', 'to-files.yaml', '--no-progress']), 'cdc run to-files.yaml');
    const file = JSON.parse(readFileSync(join(app, 'tables', 'app.orders.json'), 'utf8')) as { rows: unknown[] };
    expect(file.rows).toEqual([
      { id: '9223372036854775807', amount: '12345678901234567890.1234567890' },
      { id: '2', amount: '2.5' },
    ]);
  });

  it('npm uninstall: the pipeline fails with "not installed" and the package to install', async () => {
    ok(await npm(['uninstall', '@cdc/connector-mysql'], app), 'npm uninstall @cdc/connector-mysql');
    const r = await cdc(['run', 'mysql.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: .*source connector "mysql" is not installed; installed: .*values.* — run npm install @cdc\/connector-mysql/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);

    ok(await npm(['uninstall', EXAMPLE_NAME], app), `npm uninstall ${EXAMPLE_NAME}`);
    const r2 = await cdc(['run', 'to-files.yaml']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/sink connector "jsonfile" is not installed \(not an official connector/);
    expect(r2.stderr).toMatch(/npm install/);
  });
});

describe('version matrix and broken packages, with the installed cli', () => {
  const pluginDir = join(work, 'plugins');

  it('a connector built for another @cdc/core major: cdc check says so in its table and exits 2', async () => {
    const dir = join(pluginDir, 'cdc-connector-future');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'cdc-connector-future', version: '3.0.0', type: 'module', exports: './index.js', peerDependencies: { '@cdc/core': '^2.0.0' }, cdc: { identifiers: ['future'], kind: 'sink' } }),
    );
    writeFileSync(join(dir, 'index.js'), 'export const factories = [];\n');
    writeFileSync(join(app, 'future.yaml'), 'source:\n  type: values\nsink:\n  type: future\n');
    const r = await cdc(['check', 'future.yaml', '--plugin-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/sink connector "future"\s+FAIL\s+cdc-connector-future@3\.0\.0 \(core \^2\.0\.0\): built for @cdc\/core \^2\.0\.0, running @cdc\/core is 0\.1\.0/);
    expect(r.stdout).toMatch(/verdict: FAILED: 1 problem/);
    const list = await cdc(['connectors', '--plugin-dir', dir]);
    expect(list.stdout).toMatch(/future\s+sink\s+cdc-connector-future\s+3\.0\.0\s+\^2\.0\.0\s+no: built for @cdc\/core/);
  });

  it('a package that throws on load and one with a malformed cdc field are named; the others still work', async () => {
    const broken = join(app, 'node_modules', '@acme', 'cdc-connector-broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'package.json'), JSON.stringify({ name: '@acme/cdc-connector-broken', version: '0.0.1', type: 'module', exports: './index.js', cdc: { identifiers: ['broken'], kind: 'sink' } }));
    writeFileSync(join(broken, 'index.js'), "throw new Error('missing native module');\n");
    const malformed = join(app, 'node_modules', 'cdc-connector-malformed');
    mkdirSync(malformed, { recursive: true });
    writeFileSync(join(malformed, 'package.json'), JSON.stringify({ name: 'cdc-connector-malformed', version: '0.0.1', cdc: { identifiers: 'malformed', kind: 'sink' } }));

    const list = await cdc(['connectors', '--load']);
    expect(list.code).toBe(1);
    expect(list.stdout).toMatch(/values\s+source\/sink\s+@cdc\/connector-values\s+0\.1\.0\s+\^0\.1\.0\s+yes\s+ok/);
    expect(list.stdout).toMatch(/broken\s+sink\s+@acme\/cdc-connector-broken\s+0\.0\.1\s+\S*\s+yes\s+fails: .*missing native module/);
    expect(list.stderr).toMatch(/cdc-connector-malformed .*"cdc\.identifiers" must be a non-empty list/);

    ok(await cdc(['run', 'values.yaml', '--no-progress']), 'cdc run values.yaml next to broken packages');
    writeFileSync(join(app, 'broken.yaml'), 'source:\n  type: values\nsink:\n  type: broken\n');
    const r = await cdc(['run', 'broken.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/connector package @acme\/cdc-connector-broken@0\.0\.1 failed to load .*missing native module/);
  });
});
