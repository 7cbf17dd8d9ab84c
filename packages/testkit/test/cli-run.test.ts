import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CliRuns, pipelineYaml, runArgs, startCli, streamChanges, waitForValue, waitUntil, writePipeline, type CdcCommand } from '../src/index.js';

/** A stand-in for the cdc CLI: node running `script` (the CLI's arguments follow it in process.argv). */
const fake = (script: string): CdcCommand => ({ argv: [process.execPath, '-e', script], cwd: process.cwd() });
const forever = fake(`process.on('SIGTERM', () => { console.error('stopping'); process.exit(0); }); console.log('up', process.argv.slice(1).join(' ')); setInterval(() => {}, 1000);`);

describe('cli runs', () => {
  it('start passes the arguments, keeps the output; stop (SIGTERM) resolves on exit 0; kill9 resolves on SIGKILL', async () => {
    const runs = new CliRuns(forever);
    const a = runs.start(['run', 'p.yaml']);
    await waitUntil('the first line', () => a.output().stdout.includes('up'), { runs: [a], timeoutMs: 20_000 });
    expect(a.output().stdout).toBe('up run p.yaml\n');
    expect((await a.stop()).stderr).toBe('stopping\n');
    expect(a.running()).toBe(false);
    const b = runs.start([]);
    await waitUntil('the first line', () => b.output().stdout.includes('up'), { runs: [b], timeoutMs: 20_000 });
    expect((await b.kill9()).signal).toBe('SIGKILL');
    const c = runs.start([]);
    runs.killAll();
    expect((await c.done).signal).toBe('SIGKILL');
  });

  it('stop fails on a non-zero exit; kill9 fails when the process had already exited', async () => {
    const failing = startCli(fake(`process.on('SIGTERM', () => { console.error('boom'); process.exit(3); }); console.log('up'); setInterval(() => {}, 1000);`), []);
    await waitUntil('the first line', () => failing.output().stdout.includes('up'), { runs: [failing], timeoutMs: 20_000 });
    await expect(failing.stop()).rejects.toThrow(/exited with code 3.*expected 0\):\nboom/s);
    const gone = startCli(fake(`process.exit(0)`), []);
    await gone.done;
    await expect(gone.kill9()).rejects.toThrow(/to be killed with SIGKILL but ended with code 0/);
  });

  it('waitUntil fails when a run exits, and after the time limit naming what it waited for and the detail', async () => {
    const dying = startCli(fake(`console.error('fatal: no such table'); process.exit(2);`), []);
    await expect(waitUntil('the snapshot', () => false, { runs: [dying], timeoutMs: 20_000 })).rejects.toThrow(/cdc run exited \(2\) while waiting for the snapshot:\nfatal: no such table/);
    const killed = startCli(forever, []);
    killed.child.kill('SIGKILL');
    await expect(waitUntil('a checkpoint', () => false, { runs: [killed], timeoutMs: 20_000 })).rejects.toThrow(/cdc run exited \(SIGKILL\) while waiting for a checkpoint/);
    await expect(waitUntil('nothing', () => false, { timeoutMs: 50, intervalMs: 10, detail: () => 'last seen: 0 rows' })).rejects.toThrow(/timed out after 50 ms waiting for nothing; last seen: 0 rows/);
    let n = 0;
    expect(await waitForValue('three', () => (++n % 2 ? undefined : n), (v) => v >= 3, { intervalMs: 1 })).toBe(4);
    await expect(waitForValue('never', () => 1, (v) => v > 1, { timeoutMs: 30, intervalMs: 5, detail: (last) => `last ${last}` })).rejects.toThrow(/waiting for never; last 1/);
  });
});

describe('streamChanges', () => {
  it('makes the changes in order in the background, counting them; done rejects with a failed change', async () => {
    const seen: number[] = [];
    const s = streamChanges(5, async (i) => void seen.push(i), 1);
    expect(s.written).toBe(0);
    await s.done;
    expect([seen, s.written]).toEqual([[0, 1, 2, 3, 4], 5]);
    const failing = streamChanges(5, async (i) => {
      if (i === 2) throw new Error('no connection');
    }, 1);
    await expect(failing.done).rejects.toThrow('no connection');
    expect(failing.written).toBe(2);
  });
});

describe('pipeline files', () => {
  it('pipelineYaml writes each option of each section; strings survive YAML as they are', () => {
    const def = {
      source: { type: 'values', events: '- {op: insert}\n- {op: "delete"}', tables: 'db.\\.*', password: '' },
      sink: { type: 'values', port: 3306, 'print.enabled': true, hosts: 'http://127.0.0.1:9200' },
      pipeline: { name: 'a: b # not a comment', parallelism: 2 },
    };
    expect(parse(pipelineYaml(def))).toEqual(def);
    expect(parse(pipelineYaml({ source: { type: 'x' }, sink: { type: 'y' } }))).toEqual({ source: { type: 'x' }, sink: { type: 'y' } });
    const file = writePipeline(join(mkdtempSync(join(tmpdir(), 'cdc-testkit-')), 'p.yaml'), def);
    expect(readFileSync(file, 'utf8')).toBe(pipelineYaml(def));
  });

  it('runArgs: cdc run with a state directory, every plugin directory, no progress line', () => {
    expect(runArgs('/p.yaml', '/state', ['/a', '/b'])).toEqual(['run', '/p.yaml', '--state-dir', '/state', '--plugin-dir', '/a', '--plugin-dir', '/b', '--no-progress']);
  });
});
