import type { ApprovalConfig } from '../config/approval-config.ts';
import type { Currency } from '../domain/provider-id.ts';
import type { Role } from './review-store.ts';
import { ServeError } from './serve-error.ts';

export type TotalsByCurrency = Partial<Record<Currency, number>>;

/** Approvers a batch needs: the highest rule whose currency total is above its amount; one without rules. */
export function requiredApprovals(totals: TotalsByCurrency, config: ApprovalConfig | undefined): number {
  let required = 1;
  for (const rule of config?.rules ?? []) {
    if ((totals[rule.currency] ?? 0) > rule.aboveMinor) required = Math.max(required, rule.approvers);
  }
  return required;
}

/** Whether this approver's per-user limit (if any) covers the batch. */
export function withinLimit(user: string, totals: TotalsByCurrency, config: ApprovalConfig | undefined): boolean {
  const limits = config?.limits[user];
  if (!limits) return true;
  return Object.entries(totals).every(([currency, total]) => {
    const limit = limits[currency as Currency];
    return limit === undefined || (total ?? 0) <= limit;
  });
}

export interface ApprovalCase {
  user: { name: string; role: Role };
  uploader: string;
  /** Users who already approved the current plan. */
  approvedBy: readonly string[];
  currentPlanHash: string;
  givenPlanHash: string | undefined;
  totals: TotalsByCurrency;
  config: ApprovalConfig | undefined;
}

/** Maker ≠ checker, one approval per person, bound to the plan the approver saw. Throws the refusal. */
export function checkApproval(c: ApprovalCase): void {
  if (c.user.role !== 'approver') throw new ServeError(403, 'ROLE_FORBIDDEN', `${c.user.name} is ${c.user.role}: only an approver approves`);
  if (c.user.name === c.uploader) throw new ServeError(403, 'SELF_APPROVAL', 'the uploader of a batch can never approve it');
  if (c.approvedBy.includes(c.user.name)) throw new ServeError(409, 'ALREADY_APPROVED', `${c.user.name} already approved this batch: no one approves twice`);
  if (!c.givenPlanHash) throw new ServeError(422, 'PLAN_HASH_REQUIRED', 'the approval must name the plan_hash it approves');
  if (c.givenPlanHash !== c.currentPlanHash) throw new ServeError(409, 'PLAN_HASH_STALE', 'the plan changed since it was shown: review it again and approve the new plan_hash');
  if (!withinLimit(c.user.name, c.totals, c.config)) throw new ServeError(403, 'APPROVAL_LIMIT', `the batch is above ${c.user.name}'s approval limit`);
}

/** Approvers who could still approve: role approver, not the uploader, not yet approved, within their limit. */
export function eligibleApprovers(
  users: ReadonlyArray<{ name: string; role: Role }>,
  uploader: string,
  approvedBy: readonly string[],
  totals: TotalsByCurrency,
  config: ApprovalConfig | undefined,
): string[] {
  return users.filter((u) => u.role === 'approver' && u.name !== uploader && !approvedBy.includes(u.name) && withinLimit(u.name, totals, config)).map((u) => u.name);
}
