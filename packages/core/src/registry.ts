/**
 * Finds connector packages the way Flink CDC finds connector jars in lib/: a package declares itself in its
 * package.json (`"cdc": { "identifiers": [...], "kind": "source" | "sink" | [...], "entry": "./dist/index.js" }`).
 * Discovery reads package.json files only; a connector's code is imported the first time a pipeline uses it.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { catalogEntry, packageForIdentifier } from './catalog.js';
import { describeError, isCdcError, PluginError, VersionError } from './errors.js';
import type { Factory } from './spi.js';
import { CORE_VERSION } from './version.js';

export type ConnectorKind = 'source' | 'sink';

export interface ConnectorManifest {
  readonly packageName: string;
  readonly version: string;
  /** Real path of the package directory. */
  readonly dir: string;
  readonly identifiers: readonly string[];
  readonly kinds: readonly ConnectorKind[];
  /** Module to import, relative to dir. */
  readonly entry: string;
  /** The @cdc/core range the package declares (peerDependencies), if any. */
  readonly coreRange: string | undefined;
  readonly foundIn: 'node_modules' | 'plugin-dir';
}

export interface RegistryProblem {
  readonly packageName: string;
  readonly dir: string;
  readonly message: string;
}

export interface Compatibility {
  readonly compatible: boolean;
  readonly reason?: string;
}

export interface DiscoverOptions {
  /** Directory of the user's project; its nearest package.json's node_modules is scanned. Default: cwd. */
  readonly projectDir?: string;
  /** Extra directories: a connector package, a folder of packages, or a folder with node_modules. */
  readonly pluginDirs?: readonly string[];
  /** Prefer the `source` export condition (TypeScript sources) when the package has one. */
  readonly preferSource?: boolean;
  /** Core version to check ranges against (tests). */
  readonly coreVersion?: string;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function nearestProjectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && isDir(join(dir, 'node_modules'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(start);
    dir = up;
  }
}

/** Package directories directly under a node_modules-like folder (scoped ones included). */
function packageDirsIn(folder: string): string[] {
  if (!isDir(folder)) return [];
  const out: string[] = [];
  for (const name of readdirSync(folder)) {
    if (name.startsWith('.')) continue;
    const p = join(folder, name);
    if (name.startsWith('@')) {
      if (!isDir(p)) continue;
      for (const sub of readdirSync(p)) if (isDir(join(p, sub))) out.push(join(p, sub));
    } else if (isDir(p)) {
      out.push(p);
    }
  }
  return out;
}

export function sourceConditionActive(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /--conditions[= ]source\b|-C[= ]?source\b/.test(flags) || process.env.CDC_SOURCE_CONDITION === '1';
}

function resolveEntry(pkg: Record<string, unknown>, cdc: Record<string, unknown>, preferSource: boolean): string | undefined {
  const exp = pkg.exports as Record<string, unknown> | string | undefined;
  const dot = typeof exp === 'object' && exp !== null ? (exp['.'] as Record<string, unknown> | string | undefined) : exp;
  if (preferSource && typeof dot === 'object' && dot !== null && typeof dot.source === 'string') return dot.source;
  if (typeof cdc.entry === 'string') return cdc.entry;
  if (typeof dot === 'string') return dot;
  if (typeof dot === 'object' && dot !== null) {
    for (const k of ['import', 'default', 'node']) if (typeof dot[k] === 'string') return dot[k] as string;
  }
  if (typeof pkg.module === 'string') return pkg.module;
  if (typeof pkg.main === 'string') return pkg.main;
  return undefined;
}

type ParseResult = { manifest: ConnectorManifest } | { problem: RegistryProblem } | undefined;

function parseManifest(dir: string, foundIn: ConnectorManifest['foundIn'], preferSource: boolean): ParseResult {
  const pkg = readJson(join(dir, 'package.json'));
  if (!pkg) {
    // unreadable JSON: report it only when it looks like a connector's (other packages are none of our business)
    let text = '';
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      return undefined;
    }
    if (!/"cdc"\s*:/.test(text)) return undefined;
    const name = /"name"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? dir;
    return { problem: { packageName: name, dir, message: 'package.json is not valid JSON' } };
  }
  if (pkg.cdc === undefined) return undefined;
  const packageName = typeof pkg.name === 'string' ? pkg.name : dir;
  const bad = (message: string): ParseResult => ({ problem: { packageName, dir, message } });
  const cdc = pkg.cdc as Record<string, unknown>;
  if (typeof cdc !== 'object' || cdc === null || Array.isArray(cdc)) return bad('the "cdc" field of package.json must be an object');
  const ids = cdc.identifiers ?? (typeof cdc.identifier === 'string' ? [cdc.identifier] : undefined);
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string' && /^[a-z][a-z0-9-]*$/.test(i))) {
    return bad('"cdc.identifiers" must be a non-empty list of lower-case identifiers');
  }
  const kindsRaw = Array.isArray(cdc.kind) ? cdc.kind : [cdc.kind];
  if (!kindsRaw.length || !kindsRaw.every((k) => k === 'source' || k === 'sink')) {
    return bad('"cdc.kind" must be "source", "sink" or a list of both');
  }
  const entry = resolveEntry(pkg, cdc, preferSource);
  if (!entry) return bad('no entry module: set "cdc.entry" or "exports"/"main" in package.json');
  const peers = (pkg.peerDependencies ?? {}) as Record<string, unknown>;
  const coreRange = typeof cdc.core === 'string' ? cdc.core : typeof peers['@cdc/core'] === 'string' ? (peers['@cdc/core'] as string) : undefined;
  return {
    manifest: {
      packageName,
      version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
      dir,
      identifiers: ids as string[],
      kinds: kindsRaw as ConnectorKind[],
      entry,
      coreRange,
      foundIn,
    },
  };
}

function factoriesOf(mod: Record<string, unknown>): Factory[] | undefined {
  const pick = (v: unknown): Factory[] | undefined => {
    const arr = Array.isArray(v) ? v : v ? [v] : [];
    const ok = arr.every((f) => typeof f === 'object' && f !== null && typeof (f as Factory).identifier === 'string' && typeof (f as Factory).create === 'function');
    return arr.length && ok ? (arr as Factory[]) : undefined;
  };
  return pick(mod.factories) ?? pick(mod.default) ?? pick((mod.default as Record<string, unknown> | undefined)?.factories);
}

export class ConnectorRegistry {
  private readonly loaded = new Map<string, Promise<Factory[]>>();

  private constructor(
    private readonly manifests: readonly ConnectorManifest[],
    private readonly found: readonly RegistryProblem[],
    readonly coreVersion: string,
  ) {}

  /** Scans the project's node_modules and the plugin dirs. Reads package.json files only. */
  static discover(opts: DiscoverOptions = {}): ConnectorRegistry {
    const preferSource = opts.preferSource ?? sourceConditionActive();
    const manifests: ConnectorManifest[] = [];
    const problems: RegistryProblem[] = [];
    const seen = new Set<string>();
    const consider = (dir: string, foundIn: ConnectorManifest['foundIn']) => {
      let real: string;
      try {
        real = realpathSync(dir);
      } catch {
        return;
      }
      if (seen.has(real)) return;
      seen.add(real);
      const r = parseManifest(real, foundIn, preferSource);
      if (!r) return;
      if ('problem' in r) problems.push(r.problem);
      else manifests.push(r.manifest);
    };
    const project = nearestProjectRoot(opts.projectDir ?? process.cwd());
    for (const d of packageDirsIn(join(project, 'node_modules'))) consider(d, 'node_modules');
    for (const raw of opts.pluginDirs ?? []) {
      const p = resolve(raw);
      if (!isDir(p)) {
        problems.push({ packageName: raw, dir: p, message: `plugin dir ${p} does not exist` });
        continue;
      }
      if (existsSync(join(p, 'package.json')) && readJson(join(p, 'package.json'))?.cdc !== undefined) consider(p, 'plugin-dir');
      for (const d of packageDirsIn(p)) consider(d, 'plugin-dir');
      for (const d of packageDirsIn(join(p, 'node_modules'))) consider(d, 'plugin-dir');
    }
    manifests.sort((a, b) => a.packageName.localeCompare(b.packageName));
    return new ConnectorRegistry(manifests, problems, opts.coreVersion ?? CORE_VERSION);
  }

  /** Installed connector packages. */
  list(): readonly ConnectorManifest[] {
    return this.manifests;
  }

  /** Packages with a malformed `cdc` field, and plugin dirs that do not exist. */
  problems(): readonly RegistryProblem[] {
    return this.found;
  }

  compatibility(m: ConnectorManifest): Compatibility {
    if (!m.coreRange) return { compatible: true, reason: 'declares no @cdc/core range' };
    // inside a pnpm workspace the range is a link to the core next to it
    if (m.coreRange.startsWith('workspace:')) return { compatible: true };
    if (!semver.validRange(m.coreRange)) return { compatible: false, reason: `declares an invalid @cdc/core range "${m.coreRange}"` };
    const ok = semver.satisfies(this.coreVersion, m.coreRange, { includePrerelease: true });
    return ok ? { compatible: true } : { compatible: false, reason: `built for @cdc/core ${m.coreRange}, running @cdc/core is ${this.coreVersion}` };
  }

  private candidates(identifier: string, kind: ConnectorKind): ConnectorManifest[] {
    return this.manifests.filter((m) => m.identifiers.includes(identifier) && m.kinds.includes(kind));
  }

  /** The manifest providing identifier+kind, or a PluginError saying what is installed and what to install. */
  find(identifier: string, kind: ConnectorKind): ConnectorManifest {
    const c = this.candidates(identifier, kind);
    if (c.length === 1) return c[0];
    if (c.length > 1) {
      throw new PluginError(
        `${kind} "${identifier}" is provided by ${c.length} packages: ${c.map((m) => `${m.packageName}@${m.version} (${m.dir})`).join(' and ')}`,
        { hint: 'uninstall all but one of them, or remove one from --plugin-dir' },
      );
    }
    const other = this.manifests.filter((m) => m.identifiers.includes(identifier));
    if (other.length) {
      throw new PluginError(`"${identifier}" is installed (${other[0].packageName}) but is not a ${kind} connector`, {
        hint: `use it as ${other[0].kinds.join('/')}`,
      });
    }
    const installed = this.manifests.flatMap((m) => m.identifiers.map((i) => `${i} (${m.kinds.join('/')}, ${m.packageName})`));
    const broken = this.found.filter((p) => p.packageName.includes(identifier));
    const official = catalogEntry(identifier);
    throw new PluginError(
      `${kind} connector "${identifier}" is not installed${official ? '' : ' (not an official connector; check the name)'}; installed: ${installed.length ? installed.join(', ') : 'none'}` +
        (broken.length ? `; found but unusable: ${broken.map((b) => `${b.packageName}: ${b.message}`).join('; ')}` : ''),
      {
        hint: official
          ? `run npm install ${packageForIdentifier(identifier)} (or pass --plugin-dir <dir> with the package)`
          : `run npm install <the package that provides it> (its package.json "cdc" field lists "${identifier}"), or pass --plugin-dir <dir>; official connectors: cdc catalog`,
      },
    );
  }

  /** Imports the connector package (once) and returns the factory for identifier+kind. */
  async load(identifier: string, kind: ConnectorKind): Promise<Factory> {
    const m = this.find(identifier, kind);
    const compat = this.compatibility(m);
    if (!compat.compatible) {
      throw new VersionError(`connector ${m.packageName}@${m.version} cannot be used: ${compat.reason}`, {
        hint: `install a version of ${m.packageName} built for @cdc/core ${this.coreVersion} (see cdc catalog), or a matching @cdc/cli`,
        connector: identifier,
      });
    }
    let p = this.loaded.get(m.dir);
    if (!p) {
      p = this.importFactories(m);
      this.loaded.set(m.dir, p);
    }
    const factories = await p;
    const f = factories.find((x) => x.identifier === identifier && x.kind === kind);
    if (!f) {
      throw new PluginError(`package ${m.packageName} declares ${kind} "${identifier}" in package.json but its module exports no such factory`, {
        hint: `the module exports: ${factories.map((x) => `${x.kind} ${x.identifier}`).join(', ') || 'nothing usable'}`,
      });
    }
    return f;
  }

  /**
   * Imports a package and checks that its module provides every identifier+kind its package.json declares.
   * For `cdc connectors --load`: a package that throws while loading is reported, the others are not affected.
   */
  async verify(m: ConnectorManifest): Promise<{ readonly ok: true } | { readonly ok: false; readonly message: string }> {
    let p = this.loaded.get(m.dir);
    if (!p) {
      p = this.importFactories(m);
      this.loaded.set(m.dir, p);
    }
    try {
      const factories = await p;
      const missing = m.identifiers.flatMap((id) => m.kinds.filter((k) => !factories.some((f) => f.identifier === id && f.kind === k)).map((k) => `${k} "${id}"`));
      if (missing.length) return { ok: false, message: `declares ${missing.join(', ')} in package.json but its module exports no such factory` };
      return { ok: true };
    } catch (e) {
      return { ok: false, message: isCdcError(e) ? e.reason : describeError(e) };
    }
  }

  private async importFactories(m: ConnectorManifest): Promise<Factory[]> {
    let mod: Record<string, unknown>;
    const file = join(m.dir, m.entry);
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw new PluginError(`connector package ${m.packageName}@${m.version} failed to load from ${file}: ${describeError(e)}`, {
        cause: e,
        hint: 'reinstall the package or report the bug to its author; other connectors are not affected',
      });
    }
    const factories = factoriesOf(mod);
    if (!factories) {
      throw new PluginError(`connector package ${m.packageName}@${m.version} exports no factories`, {
        hint: 'its entry module must export `factories` (an array) or a default factory made with defineSource/defineSink',
      });
    }
    return factories;
  }
}
