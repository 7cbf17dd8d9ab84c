/**
 * @cdc/testkit: the conformance suite every cdc connector runs, ours and third-party (like Airbyte's acceptance
 * tests): spec, check, invalid config, round trip / full read, incremental read, resume from a saved and from a
 * corrupted state, close. Call describeSinkConformance / describeSourceConformance in a vitest test file.
 */
export { checkFactorySpec } from './spec-check.js';
export { describeSinkConformance, type SinkConformanceSpec, type SinkConformanceTest, type SinkVerifier } from './sink-suite.js';
export { describeSourceConformance, type SourceConformanceSpec, type SourceConformanceTest, type SourceDriver } from './source-suite.js';
export { createTestLogger, factoryContext, TEST_PIPELINE, type TestLogger } from './context.js';
export { canonicalValue, diffRows, representationProblem } from './rows.js';
export { ALL_TYPES, ALL_TYPES_ROWS, EVOLVING, SOURCE_ROWS, SOURCE_TABLE } from './fixtures.js';
export { cdcFromBin, cdcFromSource, CliRuns, pipelineYaml, runArgs, startCli, stderrTail, streamChanges, tryRead, waitForValue, waitUntil, writePipeline, type CdcCommand, type CliResult, type ChangeStream, type CliRun, type PipelineDefinition, type PipelineSection, type WaitOptions } from './cli-run.js';
export { readSource, type ReadSourceOptions, type ReadSourceResult } from './read-source.js';
export { Mirror } from './mirror.js';
