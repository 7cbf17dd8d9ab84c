#!/usr/bin/env node
// Entry point of the root npm scripts. A fresh clone has only Node + npm, so this bootstraps the pinned
// pnpm, installs with the frozen lockfile when needed, and then does the asked task:
//   test | demo | build | services | cdc <args> | bench <name>
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = rootPkg.packageManager.replace(/^pnpm@/, '');
const [task = 'test', ...args] = process.argv.slice(2);
const quiet = task === 'cdc' || task === 'bench';

function log(msg) {
  if (!quiet) process.stderr.write(`[cdc-repo] ${msg}\n`);
}

// Lerna (Nx) runs package scripts through `pnpm` but drops node_modules/.bin from PATH, so the pinned pnpm
// (a root devDependency) gets a shim in a git-ignored dir of its own.
const shimDir = join(root, '.tools', 'bin');
const env = { ...process.env, PATH: [shimDir, join(root, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter) };

function writePnpmShim() {
  const cli = join(root, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  if (!existsSync(cli)) return;
  mkdirSync(shimDir, { recursive: true });
  writeFileSync(join(shimDir, 'pnpm'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
}

function run(cmd, cmdArgs, opts = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function must(cmd, cmdArgs, what) {
  const code = run(cmd, cmdArgs);
  if (code !== 0) {
    process.stderr.write(`[cdc-repo] ${what} failed (exit ${code})\n`);
    process.exit(code);
  }
}

/** The pinned pnpm: the one on PATH if it is that version, otherwise through npx (cached after once). */
function pnpmCommand() {
  const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env });
  if (onPath.status === 0 && onPath.stdout.trim() === pnpmVersion) return ['pnpm', []];
  return ['npx', ['-y', `pnpm@${pnpmVersion}`]];
}

function pnpm(pnpmArgs, what) {
  const [cmd, pre] = pnpmCommand();
  must(cmd, [...pre, ...pnpmArgs], what);
}

/** Install when node_modules is missing or older than the lockfile / any package.json. */
function ensureInstalled() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (stale) {
    log(`installing dependencies with pnpm ${pnpmVersion} (frozen lockfile)`);
    pnpm(['install', '--frozen-lockfile', '--reporter=append-only'], 'pnpm install');
  }
  writePnpmShim();
}

function build() {
  log('building all packages (lerna, topological order)');
  must(join(root, 'node_modules', '.bin', 'lerna'), ['run', 'build', '--concurrency', '2', '--loglevel', 'warn'], 'build');
}

function startServices(names) {
  log(`starting services: ${names.join(', ')}`);
  must('bash', [join(root, 'tools', 'services', 'all'), 'start', ...names], 'starting services');
}

/** Tests that need a real server; `npm test` starts them, so a missing server is a failure, not a skip. */
const TEST_SERVICES = ['mariadb', 'postgres', 'kafka', 'elasticsearch'];

function test() {
  ensureInstalled();
  build();
  startServices(TEST_SERVICES);
  const results = join(root, '.vitest-results.json');
  const code = run(join(root, 'node_modules', '.bin', 'vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${results}`,
    ...args,
  ]);
  // A plain closing line any CI can read, whatever vitest prints above it.
  if (existsSync(results)) {
    const r = JSON.parse(readFileSync(results, 'utf8'));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    process.stdout.write(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
  process.exit(code);
}

function tsx(entry, entryArgs) {
  // `source` export condition: workspace packages resolve to their TypeScript sources, no build needed.
  const loader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return run(process.execPath, ['--conditions=source', '--import', loader, entry, ...entryArgs], {
    cwd: process.env.INIT_CWD ?? process.cwd(),
  });
}

switch (task) {
  case 'install':
    ensureInstalled();
    break;
  case 'build':
    ensureInstalled();
    build();
    break;
  case 'services':
    startServices(args.length ? args : TEST_SERVICES);
    break;
  case 'test':
    test();
    break;
  case 'cdc':
    ensureInstalled();
    process.exit(tsx(join(root, 'packages', 'cli', 'src', 'main.ts'), args));
    break;
  case 'demo':
    ensureInstalled();
    process.exit(tsx(join(root, 'examples', 'demo', 'demo.ts'), args));
    break;
  case 'bench':
    ensureInstalled();
    process.exit(tsx(join(root, 'tools', 'bench', 'src', 'main.ts'), args));
    break;
  default:
    process.stderr.write(`unknown task "${task}": use test | demo | build | services | cdc | bench\n`);
    process.exit(2);
}
