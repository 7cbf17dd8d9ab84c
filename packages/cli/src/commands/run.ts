import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@cdc/core';
import { createLogger, loadPipelineFile, pipelineStateDir, preparePipeline, runPipeline } from '@cdc/runtime';
import type { ParsedArgs } from '../cli.js';
import type { Io } from '../io.js';
import { discover } from './connectors.js';

export function pipelinePath(args: ParsedArgs, io: Io): string {
  const file = args.positionals[0];
  if (!file) throw new ConfigError(`cdc ${args.command} needs a pipeline file`, { hint: `cdc ${args.command} path/to/pipeline.yaml` });
  return resolve(io.cwd, file);
}

/** `cdc run`: runs until the source ends or SIGINT/SIGTERM, then takes a final checkpoint and exits 0. */
export async function runCommand(args: ParsedArgs, io: Io): Promise<number> {
  const file = pipelinePath(args, io);
  const tty = args.progress && io.stderrIsTty;
  const logger = createLogger({
    level: args.logLevel,
    format: args.logFormat,
    write: (line) => io.stderr(line + '\n'),
    ...(tty ? { beforeWrite: () => io.stderr('\r\x1b[2K') } : {}),
  });
  const def = loadPipelineFile(file);
  const registry = discover(args, io);
  const prepared = await preparePipeline(def, registry, logger);
  const stateDir = pipelineStateDir(args.stateDir ? resolve(io.cwd, args.stateDir) : join(dirname(file), '.cdc-state'), prepared.settings.name);
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn(`${sig} again: exiting without a final checkpoint (the last checkpoint stays valid)`);
      process.exit(130);
    }
    logger.info(`${sig} received`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    logger.info(`pipeline "${prepared.settings.name}": ${def.source.type} -> ${def.sink.type}, parallelism ${prepared.settings.parallelism}, state in ${stateDir}`);
    const result = await runPipeline(prepared, {
      stateDir,
      logger,
      signal: stop.signal,
      progress: { tty, ...(io.stderrStream ? { stream: io.stderrStream } : {}) },
    });
    logger.info(`pipeline "${prepared.settings.name}" ${result.stoppedBy === 'end' ? 'finished' : 'stopped'}: ${result.metrics.events} events, ${result.checkpoints} checkpoints`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
