export { compileTransforms, TransformOperator, type TransformOptions } from './operator.js';
export type { TransformRule } from './rules.js';
export { closeUdfs, defineUdf, loadUdfs, type Udf, type UdfDefinition, type UdfModule } from './udf.js';
