import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces a file so that a crash leaves either the old or the new content, never a mix: write a temp file
 * beside it, fsync, rename over, fsync the directory (the rename is durable only once the directory is).
 * Offset stores and sinks that keep state in files use it.
 */
export function writeFileAtomically(path: string, text: string, opts: { keepPreviousAs?: string } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (opts.keepPreviousAs && existsSync(path)) renameSync(path, opts.keepPreviousAs);
  renameSync(tmp, path);
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
