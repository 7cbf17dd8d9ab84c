/**
 * Helpers of the publish/install test: the local registry (tools/services/registry), the workspace's public
 * packages, and commands run in clean projects outside the workspace with an environment free of the
 * workspace's test settings.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a user's shell: the workspace's test settings (the `source` export condition, vitest's
 * variables, npm's script variables) must not leak into installs and `cdc` runs of a clean project.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(npm_|VITEST|CDC_SOURCE_CONDITION$|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|TEST$|CI$)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Runs a command; never throws on a non-zero exit (the caller asserts on it). */
export function run(cmd: string, args: readonly string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fails with the command's output when it did not exit 0. */
export function ok(r: CommandResult, what: string): CommandResult {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  return r;
}

export interface Registry {
  readonly url: string;
  /** npm config with `@cdc:registry=`, `@acme:registry=` and a publish token. */
  readonly npmrc: string;
}

function services(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(repoRoot, 'tools', 'services', 'registry'), ...args], { env, timeout: 10 * 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tools/services/registry ${args.join(' ')} failed: ${String(stdout)}${String(stderr)}`));
      else resolve(String(stdout));
    });
  });
}

/** Starts the local registry with the given (throwaway) storage dir; restarts it if it ran with another. */
export async function startRegistry(storage: string): Promise<Registry> {
  const env = { ...process.env, CDC_REGISTRY_STORAGE: storage };
  await services(['start'], env);
  const vars = Object.fromEntries(
    (await services(['env'], env))
      .trim()
      .split('\n')
      .map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), l.slice(i + 1).replace(/^'(.*)'$/, '$1')];
      }),
  );
  return { url: vars.CDC_REGISTRY_URL, npmrc: vars.CDC_REGISTRY_NPMRC };
}

/** Stops the registry this test started (its storage is a temp dir about to be deleted). */
export async function stopRegistry(): Promise<void> {
  await services(['stop'], process.env);
}

export interface WorkspacePackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: Record<string, unknown>;
}

/** Every package of the pnpm workspace (the globs of pnpm-workspace.yaml, negations honoured). */
export function workspacePackages(): WorkspacePackage[] {
  const lines = readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8').split('\n');
  const globs = lines.map((l) => /^\s*-\s*['"]?([^'"#]+?)['"]?\s*$/.exec(l)?.[1]).filter((g): g is string => !!g);
  const excluded = new Set(globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)));
  const out: WorkspacePackage[] = [];
  for (const g of globs.filter((x) => !x.startsWith('!'))) {
    if (!g.endsWith('/*')) throw new Error(`pnpm-workspace.yaml glob ${g}: only "<dir>/*" globs are understood here`);
    const parent = g.slice(0, -2);
    if (!existsSync(join(repoRoot, parent))) continue;
    for (const name of readdirSync(join(repoRoot, parent)).sort()) {
      const rel = `${parent}/${name}`;
      const file = join(repoRoot, rel, 'package.json');
      if (excluded.has(rel) || !existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      out.push({ name: String(manifest.name), version: String(manifest.version), dir: join(repoRoot, rel), manifest });
    }
  }
  return out;
}

export const isPublic = (p: WorkspacePackage): boolean => p.manifest.private !== true;

/** The packages `roots` need at run time (dependencies and peerDependencies inside the workspace), roots included. */
export function runtimeClosure(all: readonly WorkspacePackage[], roots: readonly string[]): WorkspacePackage[] {
  const byName = new Map(all.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const visit = (name: string) => {
    const p = byName.get(name);
    if (!p) throw new Error(`${name} is not a workspace package`);
    if (seen.has(name)) return;
    seen.add(name);
    const deps = { ...(p.manifest.dependencies as object), ...(p.manifest.peerDependencies as object) } as Record<string, string>;
    for (const d of Object.keys(deps)) if (byName.has(d)) visit(d);
  };
  roots.forEach(visit);
  return all.filter((p) => seen.has(p.name));
}
