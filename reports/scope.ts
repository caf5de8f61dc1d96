import type { RunResult } from './types.ts';

/** A fault plan as given to `--fault` (a preset name or a plan file), and its short name. */
export interface PlanLabel {
  /** The `--fault` value as given. */
  spec: string;
  /** A short name safe as a directory name, unique among the plans given together. */
  label: string;
}

/** A `--fault` value as a directory name: a preset as is, a plan file by its base name. */
export function planLabels(specs: readonly string[]): PlanLabel[] {
  const used = new Set<string>();
  return specs.map((spec) => {
    const base =
      (spec.split(/[\\/]/).pop() ?? spec)
        .replace(/\.json$/i, '')
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/^[-.]+/, '') || 'plan';
    let label = base;
    for (let n = 2; used.has(label); n++) label = `${base}-${n}`;
    used.add(label);
    return { spec, label };
  });
}

/**
 * Where a rule applies: `write-behind:lostWrites<=50` to one strategy,
 * `cache-aside@redis-crash:staleReadRate<=0.01` to one strategy under one plan,
 * `@redis-crash:errorRate<=0.5` to every strategy under one plan; no prefix: everywhere.
 */
export interface RuleScope {
  strategy?: string;
  plan?: string;
}

/** The plan a result ran under (its `run.plan`): `calm` for none, presets joined with `+`. */
export function planOf(result: RunResult): string {
  if (result.run.plan !== undefined) return result.run.plan;
  // Results written before run.plan: the --fault values of the command line, else the fault names.
  const argv = result.run.env.commandLine ?? [];
  const specs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--fault' && argv[i + 1] !== undefined) specs.push(argv[++i] as string);
    else if (arg.startsWith('--fault=')) specs.push(arg.slice('--fault='.length));
  }
  if (specs.length > 0) return planName(specs);
  const names = [...new Set(result.run.faults.map((f) => f.name))];
  return names.length === 0 ? 'calm' : names.join('+');
}

/** The plan name of `--fault` values: their labels joined with `+`, `calm` for none. */
export function planName(specs: readonly string[]): string {
  const labels = planLabels(specs)
    .map((plan) => plan.label)
    .filter((label) => label !== 'calm');
  return labels.length === 0 ? 'calm' : labels.join('+');
}

/** The scope prefix of a rule: `strategy:`, `strategy@plan:` or `@plan:` (the rest is the rule itself). */
const SCOPE_PATTERN = /^\s*([a-z][a-z0-9-]*)?(?:@([A-Za-z0-9._+-]+))?:(.*)$/s;

/** Splits `write-behind@redis-crash:lostWrites<=50` into its scope and `lostWrites<=50`. */
export function splitScope(text: string): { scope: RuleScope; rest: string } | null {
  const match = SCOPE_PATTERN.exec(text);
  if (match === null) return { scope: {}, rest: text };
  const [, strategy, plan, rest = ''] = match;
  if (strategy === undefined && plan === undefined) return null;
  return {
    scope: { ...(strategy === undefined ? {} : { strategy }), ...(plan === undefined ? {} : { plan }) },
    rest,
  };
}

/**
 * What a scope's plan can name for `result`: its plan's name, the `+`-joined parts of it, and
 * the names and kinds of its faults (so `@redis-crash` covers `redis-crash+mysql-latency` and a
 * `mixed` plan that drew a Redis crash).
 */
export function planTags(result: RunResult): string[] {
  const plan = planOf(result);
  const tags = new Set([plan, ...plan.split('+')]);
  for (const fault of result.run.faults) {
    tags.add(fault.name);
    if (fault.kind !== undefined) tags.add(fault.kind);
  }
  return [...tags];
}

/** Whether a scope covers a result of `strategy` whose plan has `tags` ({@link planTags}). */
export function scopeCovers(
  scope: RuleScope | undefined,
  strategy: string,
  tags: readonly string[],
): boolean {
  if (scope === undefined) return true;
  if (scope.strategy !== undefined && scope.strategy !== strategy) return false;
  if (scope.plan !== undefined && !tags.includes(scope.plan)) return false;
  return true;
}

/** strategy@plan 3 · strategy 2 · @plan 1 · everywhere 0. */
export function specificity(scope: RuleScope | undefined): number {
  return (scope?.strategy === undefined ? 0 : 2) + (scope?.plan === undefined ? 0 : 1);
}

/**
 * The rules that apply to `result`: those whose scope covers its strategy and plan, and of
 * those naming the same metric only the most specific (so `write-behind:lostWrites<=50`
 * replaces `lostWrites==0` for write-behind; rules of equal specificity all apply). Order kept.
 */
export function rulesFor<T extends { metric: string; scope?: RuleScope }>(
  rules: readonly T[],
  result: RunResult,
): T[] {
  const tags = planTags(result);
  const covering = rules.filter((rule) => scopeCovers(rule.scope, result.run.strategy, tags));
  const best = new Map<string, number>();
  for (const rule of covering) {
    best.set(rule.metric, Math.max(best.get(rule.metric) ?? 0, specificity(rule.scope)));
  }
  return covering.filter((rule) => specificity(rule.scope) === best.get(rule.metric));
}
