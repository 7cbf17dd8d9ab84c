/**
 * Runs the demo script the way `npm run demo` does (node + tsx, `source` condition) and checks what it printed:
 * the MariaDB demo (default) shows the snapshot, the live insert/update/delete and the ALTER TABLE arriving in
 * the sink, and ends by itself with the sink equal to the database; the values demo still runs.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureService } from '@cdc/services';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const loader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', loader, join(repoRoot, 'examples', 'demo', 'demo.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  beforeAll(() => ensureService('mariadb'), 600_000);

  it('MariaDB -> values sink: snapshot, live changes and DDL arrive, then it stops by itself', async () => {
    const r = await runDemo([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const sink = r.stdout.split('\n').filter((l) => l.startsWith('  sink> '));
    // snapshot rows, then the live changes, as the values sink printed them
    expect(sink.some((l) => /CreateTableEvent\{tableId=cdc_demo\.orders/.test(l))).toBe(true);
    expect(sink.some((l) => /DataChangeEvent\{tableId=cdc_demo\.orders, before=\[\], after=\[1, keyboard, 49\.90, 2024-01-02T03:04:05\.123456\], op=INSERT/.test(l))).toBe(true);
    expect(sink.some((l) => /tableId=cdc_demo\.orders, before=\[\], after=\[4, monitor, 189\.00, .*op=INSERT/.test(l))).toBe(true);
    expect(sink.some((l) => /tableId=cdc_demo\.orders, before=\[2, mouse, 19\.99, .*after=\[2, mouse, 17\.49, .*op=UPDATE/.test(l))).toBe(true);
    expect(sink.some((l) => /tableId=cdc_demo\.orders, before=\[3, cable, 0\.99, null\], after=\[\], op=DELETE/.test(l))).toBe(true);
    expect(sink.some((l) => /AddColumnEvent\{tableId=cdc_demo\.orders.*`note` VARCHAR\(64\)/.test(l))).toBe(true);
    expect(sink.some((l) => /after=\[18446744073709551615, gift card, 99999999\.99, max id, 2024-02-29T23:59:59\.999999\], op=INSERT/.test(l))).toBe(true);
    expect(sink.some((l) => /tableId=cdc_demo\.customers, before=\[8, Grace 😀, false\], after=\[8, Grace Hopper, true\], op=UPDATE/.test(l))).toBe(true);
    expect(r.stdout).toMatch(/sink equals source: yes; cdc run exit code 0/);
  }, 150_000);

  it('values -> values demo still runs (npm run demo -- values)', async () => {
    const r = await runDemo(['values']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/== sink tables after the run/);
    expect(r.stdout).toMatch(/ods\.orders/);
  }, 60_000);
});
