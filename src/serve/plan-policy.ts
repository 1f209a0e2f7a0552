/** Which plan to run at a bandwidth: the decision table's interval that holds it (adaptive), or one plan (static). */
import type { ServedPlan } from './served-plan';

/**
 * The plan whose decision-table interval [fromMbps, toMbps) holds `mbps`; below the table the
 * first plan, above it the last. Plans without intervals (a plan directory): the first.
 * @example planForBandwidth(plans, 5.85).label  // "#12 logits@4" for the bundled ResNet
 */
export function planForBandwidth(plans: readonly ServedPlan[], mbps: number): ServedPlan {
  for (const p of plans) {
    if (p.toMbps !== undefined && mbps < p.toMbps) return p;
  }
  return plans[plans.length - 1];
}
