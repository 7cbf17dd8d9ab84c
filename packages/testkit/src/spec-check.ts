/**
 * Static checks of a connector's declaration ("spec" in Airbyte's acceptance tests): what the runtime, the docs
 * generator and option validation rely on. Each problem is one readable sentence; an empty list means sane.
 */
import { validateOptions, type Factory, type OptionSpec, type OptionType } from '@cdc/core';

const OPTION_TYPES: readonly OptionType[] = ['string', 'int', 'long', 'double', 'boolean', 'duration', 'memory', 'enum', 'list', 'map', 'password'];
/**
 * Flink-style keys: lower-case words separated by dots, dashes or underscores (`scan.startup.mode`,
 * `server-time-zone`); a word may go on in camelCase, as Flink CDC's own `sink.add-tableId-to-header-enabled`.
 */
const KEY_RE = /^[a-z0-9]+(?:[A-Z][a-z0-9]*)*(?:[._-][a-z0-9]+(?:[A-Z][a-z0-9]*)*)*$/;

function defaultProblem(o: OptionSpec): string | undefined {
  if (o.default === undefined) return undefined;
  try {
    validateOptions({ owner: 'spec-check', specs: [o], raw: { [o.key]: o.default } });
    return undefined;
  } catch {
    return `option "${o.key}": default ${JSON.stringify(o.default)} is not a valid ${o.type}${o.type === 'enum' ? ` (values: ${o.values?.join(', ')})` : ''}`;
  }
}

/** Problems with a factory's declaration: identifier, kind, options (keys, types, defaults, enums, deprecated keys), prefixes. */
export function checkFactorySpec(factory: Factory): string[] {
  const problems: string[] = [];
  const f = factory as Partial<Factory> & Record<string, unknown>;
  if (typeof f.identifier !== 'string' || !/^[a-z][a-z0-9-]*$/.test(f.identifier)) {
    problems.push(`identifier ${JSON.stringify(f.identifier)} must be lower-case letters, digits and dashes, starting with a letter`);
  }
  if (f.kind !== 'source' && f.kind !== 'sink') problems.push(`kind ${JSON.stringify(f.kind)} must be "source" or "sink"`);
  if (typeof f.create !== 'function') problems.push('create is not a function');
  if (f.description !== undefined && (typeof f.description !== 'string' || !f.description.trim())) problems.push('description, when given, must be a non-empty string');
  if (!Array.isArray(f.options)) {
    problems.push('options must be an array of OptionSpec');
    return problems;
  }

  const keys = new Map<string, string>(); // name -> what declares it
  const claim = (name: string, by: string) => {
    const prev = keys.get(name);
    if (prev) problems.push(`"${name}" is declared twice (${prev} and ${by})`);
    else keys.set(name, by);
  };
  for (const o of f.options as readonly OptionSpec[]) {
    if (typeof o?.key !== 'string' || !o.key) {
      problems.push(`an option has no key: ${JSON.stringify(o)}`);
      continue;
    }
    const at = `option "${o.key}"`;
    claim(o.key, at);
    if (!KEY_RE.test(o.key)) problems.push(`${at}: key should be lower-case words separated by dots, dashes or underscores`);
    if (!OPTION_TYPES.includes(o.type)) problems.push(`${at}: unknown type ${JSON.stringify(o.type)} (one of ${OPTION_TYPES.join(', ')})`);
    if (typeof o.description !== 'string' || !o.description.trim()) problems.push(`${at}: has no description (the docs and error hints print it)`);
    if (o.required && o.default !== undefined) problems.push(`${at}: is required and has a default; a default makes it optional`);
    if (o.type === 'enum') {
      if (!o.values?.length) problems.push(`${at}: enum without values`);
      else {
        const lower = o.values.map((v) => v.toLowerCase());
        const dup = lower.find((v, i) => lower.indexOf(v) !== i);
        if (dup !== undefined) problems.push(`${at}: enum value "${dup}" is listed twice (values match case-insensitively)`);
      }
    } else if (o.values !== undefined) {
      problems.push(`${at}: lists values but is not an enum`);
    }
    if ((o.type === 'password' || o.secret) && o.default !== undefined) problems.push(`${at}: a secret should have no default`);
    const dp = defaultProblem(o);
    if (dp) problems.push(dp);
    for (const d of o.deprecatedKeys ?? []) {
      if (d === o.key) problems.push(`${at}: lists its own key as deprecated`);
      else claim(d, `deprecated key of ${at}`);
    }
  }

  const prefixes = (f.passThroughPrefixes ?? []) as readonly { prefix: string; description: string }[];
  for (const p of prefixes) {
    if (typeof p.prefix !== 'string' || !p.prefix.endsWith('.')) problems.push(`pass-through prefix ${JSON.stringify(p.prefix)} should end with "."`);
    if (typeof p.description !== 'string' || !p.description.trim()) problems.push(`pass-through prefix "${p.prefix}" has no description`);
    for (const k of keys.keys()) {
      if (typeof p.prefix === 'string' && k.startsWith(p.prefix)) problems.push(`"${k}" starts with pass-through prefix "${p.prefix}": it could never be set through the prefix, or the other way round`);
    }
  }
  return problems;
}
