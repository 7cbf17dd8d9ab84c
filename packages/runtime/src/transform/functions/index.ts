import { ARITHMETIC_FUNCTIONS } from './arithmetic.js';
import { CONDITIONAL_FUNCTIONS } from './conditional.js';
import { FunctionRegistry } from './registry.js';
import { STRING_ALIASES, STRING_FUNCTIONS } from './string.js';
import { STRUCT_FUNCTIONS } from './struct.js';
import { TEMPORAL_FUNCTIONS } from './temporal.js';

/** The built-in functions of transform expressions (Flink CDC's list, see the README). */
export const BUILTINS = new FunctionRegistry()
  .add(...ARITHMETIC_FUNCTIONS, ...STRING_FUNCTIONS, ...TEMPORAL_FUNCTIONS, ...CONDITIONAL_FUNCTIONS, ...STRUCT_FUNCTIONS)
  .alias('CEILING', 'CEIL')
  .alias('POW', 'POWER');
for (const [alias, name] of STRING_ALIASES) BUILTINS.alias(alias, name);
