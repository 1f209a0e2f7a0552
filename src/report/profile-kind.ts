/** How reports name a profile's kind and the profiling mode that made its figures. */
import type { ProfileSummary } from '../core/analysis';

/**
 * A profile's kind and, for a measured one (or one scaled from it), the mode that made its figures
 * ("chosen by auto" when `--profile auto` chose it).
 * @example profileKindText({ kind: 'scaled', mode: 'fast' }) === 'scaled, fast profile'
 * @example
 * const auto = { extraS: 2, budgetS: 10, basis: 'sample' } as const;
 * profileKindText({ kind: 'measured', mode: 'thorough', auto }) === 'measured, thorough profile chosen by auto'
 */
export function profileKindText(p: Pick<ProfileSummary, 'kind' | 'mode' | 'auto'>): string {
  if (!p.mode) return p.kind;
  return `${p.kind}, ${p.mode} profile${p.auto ? ' chosen by auto' : ''}`;
}

/**
 * Why `--profile auto` chose a profile's mode, in a few words; undefined when auto did not choose it.
 * @example autoChoiceText({ mode: 'fast', auto: { extraS: 250, budgetS: 10, basis: 'sample' } })
 * // 'auto chose fast: timing every cut point estimated at 250.0 s, over its 10 s budget'
 */
export function autoChoiceText(p: Pick<ProfileSummary, 'mode' | 'auto'>): string | undefined {
  if (!p.auto || !p.mode) return undefined;
  const fits = p.auto.extraS <= p.auto.budgetS;
  return (
    `auto chose ${p.mode}: timing every cut point estimated at ${p.auto.basis === 'runs' ? 'at least ' : ''}` +
    `${p.auto.extraS.toFixed(1)} s, ${fits ? 'within' : 'over'} its ${p.auto.budgetS} s budget`
  );
}
