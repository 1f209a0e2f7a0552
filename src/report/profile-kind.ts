/** How reports name a profile's kind and the profiling mode that made its figures. */
import type { ProfileSummary } from '../core/analysis';

/**
 * A profile's kind and, for a measured one (or one scaled from it), the mode that made its figures.
 * @example profileKindText({ kind: 'scaled', mode: 'fast' }) === 'scaled, fast profile'
 */
export function profileKindText(p: Pick<ProfileSummary, 'kind' | 'mode'>): string {
  return p.mode ? `${p.kind}, ${p.mode} profile` : p.kind;
}
