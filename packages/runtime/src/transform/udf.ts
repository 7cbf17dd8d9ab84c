import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, DataTypes, formatType, isCdcError, parseType, withNullability, type DataType } from '@cdc/core';
import { dataError } from './errors.js';
import { makeCast, type Caster } from './values/cast.js';
import { formatTimestamp } from './values/temporal.js';
import { timeZone } from './values/time-zone.js';

/**
 * A user-defined function, Flink CDC's `pipeline.user-defined-function`, with a JS module in place of a
 * Java class. The module exports (as default, as the named export after `#` in the path, or under the
 * function's name) one of:
 *  - a plain function: `export default function addone(x) { return x + 1 }`, optionally with a
 *    `returnType` property;
 *  - an object `{ eval(...args), returnType?, open?(options), close?() }`;
 *  - a class whose instances have `eval` (like a Java UDF class with a no-argument constructor).
 * `returnType` is a type string as core's parseType reads it ('INT', 'DECIMAL(10, 2)'); it defaults to
 * STRING, as most UDFs format or look things up. Arguments arrive in the pipeline's in-memory
 * representation (BIGINT as bigint, DECIMAL as a string, temporals as ISO strings); the result is
 * converted to `returnType` (a number for a BIGINT becomes a bigint, a Date for a timestamp its text)
 * and is always nullable. `eval` must be synchronous.
 */
export interface UdfModule {
  eval(...args: unknown[]): unknown;
  returnType?: string | DataType;
  open?(options: Readonly<Record<string, string>>): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** A loaded UDF, ready for compileTransforms. */
export interface Udf {
  /** Called by this name in expressions, case-insensitively; takes precedence over a built-in of that name. */
  readonly name: string;
  readonly returnType: DataType;
  /** Calls the function and converts its result to `returnType`'s representation. */
  readonly call: (args: unknown[]) => unknown;
  /** Runs the module's close(), if any. */
  readonly close: () => Promise<void>;
}

export interface UdfDefinition {
  readonly name: string;
  /** Path of the JS module (relative to the pipeline file's directory) or a package specifier; `#export` picks a named export. */
  readonly classpath: string;
  /** Passed to the module's open(). */
  readonly options?: Readonly<Record<string, string>>;
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Wraps a function or UDF object, for pipelines built in code and for tests. */
export function defineUdf(name: string, impl: AnyFunction | UdfModule, returnType?: string | DataType): Udf {
  const target = typeof impl === 'function' ? { eval: impl, returnType: (impl as { returnType?: string | DataType }).returnType } : impl;
  const type = resolveReturnType(name, returnType ?? target.returnType);
  const convert = resultConverter(type);
  const fn = target.eval.bind(target) as AnyFunction;
  return {
    name,
    returnType: type,
    call(args) {
      let result: unknown;
      try {
        result = fn(...args);
      } catch (e) {
        if (isCdcError(e)) throw e;
        throw dataError(`user-defined function ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (result === null || result === undefined) return null;
      if (typeof (result as { then?: unknown }).then === 'function') {
        throw dataError(`user-defined function ${name} returned a Promise`, 'transform UDFs must be synchronous');
      }
      return convert(result);
    },
    close: async () => {
      if (typeof impl !== 'function' && typeof impl.close === 'function') await impl.close();
    },
  };
}

function resolveReturnType(name: string, t: string | DataType | undefined): DataType {
  if (t === undefined) return DataTypes.STRING();
  if (typeof t !== 'string') return withNullability(t, true);
  try {
    return withNullability(parseType(t), true);
  } catch (e) {
    throw new ConfigError(`user-defined function ${name}: invalid returnType "${t}": ${(e as Error).message.replace(/^\[cdc\] /, '')}`);
  }
}

const UTC = timeZone('UTC');

/** Converts what a JS function returns into the representation of the declared type. */
function resultConverter(type: DataType): Caster {
  const casters = new Map<string, Caster>();
  const via = (from: DataType): Caster => {
    const key = from.type;
    let c = casters.get(key);
    if (!c) {
      c = makeCast(from, type, UTC) ?? ((v: unknown) => {
        throw dataError(`a UDF result of JS type ${typeof v} cannot become ${formatType(type)}`);
      });
      casters.set(key, c);
    }
    return c;
  };
  return (v) => {
    switch (typeof v) {
      case 'bigint':
        return via(DataTypes.BIGINT())(v);
      case 'number':
        // a JS number becomes text as JS prints it (6, not Java's 6.0)
        if (type.type === 'STRING' || type.type === 'VARCHAR' || type.type === 'CHAR') return via(DataTypes.STRING())(String(v));
        return Number.isInteger(v) && (type.type === 'BIGINT' || type.type === 'INT' || type.type === 'SMALLINT' || type.type === 'TINYINT' || type.type === 'DECIMAL')
          ? via(DataTypes.BIGINT())(BigInt(v))
          : via(DataTypes.DOUBLE())(v);
      case 'boolean':
        return via(DataTypes.BOOLEAN())(v);
      case 'string':
        return via(DataTypes.STRING())(v);
      default:
        if (v instanceof Uint8Array) return via(DataTypes.BYTES())(v);
        if (v instanceof Date) {
          const ms = v.getTime();
          const sec = Math.floor(ms / 1000);
          return via(DataTypes.TIMESTAMP_LTZ(3))(formatTimestamp({ sec, nano: (ms - sec * 1000) * 1e6 }, 3, true));
        }
        if (type.type === 'ARRAY' || type.type === 'MAP' || type.type === 'ROW') return v;
        return via(DataTypes.STRING())(JSON.stringify(v));
    }
  };
}

function isClass(v: unknown): v is new () => UdfModule {
  return typeof v === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(v));
}

function pickExport(ns: Record<string, unknown>, name: string, exportName: string | undefined): unknown {
  if (exportName !== undefined) return ns[exportName];
  if (ns.default !== undefined) return ns.default;
  if (ns[name] !== undefined) return ns[name];
  if (typeof ns.eval === 'function') return ns;
  return undefined;
}

function resolveModule(spec: string, baseDir: string, udf: string): string {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const file = isAbsolute(spec) ? spec : resolvePath(baseDir, spec);
    if (!existsSync(file)) {
      throw new ConfigError(`user-defined function ${udf}: module file ${file} does not exist`, {
        hint: 'classpath is a path to a JS module, relative to the pipeline file, or a package name',
      });
    }
    return pathToFileURL(file).href;
  }
  try {
    return pathToFileURL(createRequire(resolvePath(baseDir, 'package.json')).resolve(spec)).href;
  } catch {
    throw new ConfigError(`user-defined function ${udf}: cannot find module "${spec}" from ${baseDir}`, {
      hint: 'write a path starting with ./ for a file, or install the package',
    });
  }
}

/**
 * Loads the UDFs of `pipeline.user-defined-function` by dynamic import, and runs each module's open()
 * with its options. A missing file, a module without a callable export or a bad returnType is a
 * ConfigError naming the function.
 */
export async function loadUdfs(defs: readonly UdfDefinition[], baseDir: string): Promise<Udf[]> {
  const out: Udf[] = [];
  const seen = new Set<string>();
  for (const def of defs) {
    if (!def.name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(def.name)) {
      throw new ConfigError(`user-defined function name "${def.name ?? ''}" is not a valid function name`, { hint: 'use letters, digits and _' });
    }
    if (seen.has(def.name.toUpperCase())) throw new ConfigError(`user-defined function ${def.name} is defined twice`);
    seen.add(def.name.toUpperCase());
    if (!def.classpath) throw new ConfigError(`user-defined function ${def.name} has no classpath`, { hint: 'set classpath to the path of a JS module' });
    const [spec, exportName] = def.classpath.split('#');
    const url = resolveModule(spec, baseDir, def.name);
    let ns: Record<string, unknown>;
    try {
      ns = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`user-defined function ${def.name}: cannot load ${def.classpath}: ${(e as Error).message}`, { cause: e });
    }
    let picked = pickExport(ns, def.name, exportName);
    if (isClass(picked)) picked = new picked();
    const callable =
      typeof picked === 'function' || (typeof picked === 'object' && picked !== null && typeof (picked as { eval?: unknown }).eval === 'function');
    if (!callable) {
      throw new ConfigError(`user-defined function ${def.name}: ${def.classpath} exports nothing callable`, {
        hint: 'export default a function, or an object or class with an eval method',
      });
    }
    const impl = picked as AnyFunction | UdfModule;
    if (typeof impl !== 'function' && typeof impl.open === 'function') await impl.open(def.options ?? {});
    out.push(defineUdf(def.name, impl));
  }
  return out;
}

/** Runs close() of every UDF module (errors of one do not stop the others). */
export async function closeUdfs(udfs: readonly Udf[]): Promise<void> {
  await Promise.allSettled(udfs.map((u) => u.close()));
}
