import { type FaultDirection, type FaultTarget, ParamError, type ParamSpec } from './types.ts';

/** A number parameter in [min, max] (integers only when `integer`). */
export function numberParam(
  doc: string,
  defaultValue: number,
  range: { min: number; max: number; integer?: boolean },
): ParamSpec<number> {
  return {
    doc,
    defaultValue,
    read(value) {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        value >= range.min &&
        value <= range.max &&
        (range.integer !== true || Number.isInteger(value));
      if (!ok) {
        const what = range.integer === true ? 'an integer' : 'a number';
        throw new ParamError(
          `expected ${what} from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`,
        );
      }
      return value;
    },
  };
}

/** A string parameter that must be one of `values`. */
export function choiceParam<T extends string>(
  doc: string,
  defaultValue: T,
  values: readonly T[],
): ParamSpec<T> {
  return {
    doc,
    defaultValue,
    read(value) {
      if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
      throw new ParamError(`expected one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
    },
  };
}

export const DIRECTIONS: readonly FaultDirection[] = ['upstream', 'downstream', 'both'];

/** The `direction` parameter of network faults. */
export function directionParam(defaultValue: FaultDirection): ParamSpec<FaultDirection> {
  return choiceParam(
    'upstream (client→server), downstream (server→client) or both',
    defaultValue,
    DIRECTIONS,
  );
}

/**
 * Toxiproxy's `toxicity`: the share of *connections* (not commands) a toxic picks when the
 * connection is opened or the toxic added; with a small pool, 0.5 may hit all or none.
 */
export const toxicityParam = numberParam(
  'share of connections affected (per connection, not per command)',
  1,
  {
    min: 0,
    max: 1,
  },
);

/** The values `readParams` returns for a spec map. */
export type ParamValues<S> = { [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never };

/**
 * Reads `raw` against `specs`: defaults for missing keys, a {@link ParamError} naming the key for
 * an unknown key or a bad value.
 */
export function readParams<S extends Record<string, ParamSpec<unknown>>>(
  raw: Record<string, unknown>,
  specs: S,
): ParamValues<S> {
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(specs, key)) {
      const known = Object.keys(specs);
      const expected = known.length === 0 ? 'it takes no params' : `expected ${known.join(', ')}`;
      throw new ParamError(`unknown param '${key}'; ${expected}`);
    }
  }
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = raw[key];
    if (value === undefined) {
      values[key] = spec.defaultValue;
      continue;
    }
    try {
      values[key] = spec.read(value);
    } catch (error: unknown) {
      if (error instanceof ParamError) throw new ParamError(`param '${key}': ${error.message}`);
      throw error;
    }
  }
  return values as ParamValues<S>;
}

/** The entry's target, or the kind's default; a {@link ParamError} when the kind cannot act on it. */
export function resolveTarget(
  kindName: string,
  targets: readonly FaultTarget[],
  target: FaultTarget | undefined,
): FaultTarget {
  const resolved = target ?? targets[0];
  if (resolved === undefined || !targets.includes(resolved)) {
    throw new ParamError(`${kindName} cannot target '${String(target)}'; expected ${targets.join(' or ')}`);
  }
  return resolved;
}
