import { rm } from 'node:fs/promises';
import type { ApprovalConfig } from '../config/approval-config.ts';
import { isProviderId, type ProviderId } from '../domain/provider-id.ts';
import { parseMapOption } from '../read/parse-map-option.ts';
import { isRunError } from '../run-error.ts';
import { checkApproval, eligibleApprovers, requiredApprovals } from './approval-rules.ts';
import { uploadPath, type DispatchRunner, type PayingElsewhere } from './dispatch-runner.ts';
import { preparePlan, reviewRows, type PlanContext, type ReviewSummary } from './plan-upload.ts';
import type { Review, ReviewStatus, ReviewStore, User } from './review-store.ts';
import { ServeError } from './serve-error.ts';
import type { ReceivedUpload } from './upload-handling.ts';

export interface Actor {
  user: User;
  remote: string;
}

export interface ProgressView {
  total: number;
  done: number;
  paid_or_pending: number;
  failed: number;
  unknown: number;
  not_sent: number;
  in_flight: number;
  rate?: number;
  eta_seconds?: number;
}

export interface BatchView {
  id: string;
  status: ReviewStatus;
  uploader: string;
  provider: string;
  file_name: string;
  created_at: string;
  updated_at: string;
  counts: Record<string, number>;
  codes: Record<string, number>;
  totals: ReviewSummary['totals'];
  plan_hash: string;
  approvals: Array<{ user: string; at: string }>;
  required_approvals: number;
  eligible_approvers: string[];
  /** Awaiting approval, and fewer people could still approve than approvals are missing. */
  no_eligible_approver: boolean;
  progress?: ProgressView;
  /** Paying, by another server on the shared ledger (it holds the batch lock); this one waits and takes over if it stops. */
  paying_elsewhere?: PayingElsewhere;
  reason?: string;
  ledger_batch_id?: string;
  summary: ReviewSummary;
}

/** The flow of one uploaded batch: upload → review → submit → approve (rules) → pay → finished, with every step audited. */
export class BatchService {
  constructor(
    private readonly store: ReviewStore,
    private readonly ctx: PlanContext,
    private readonly runner: DispatchRunner,
    private readonly dataDir: string,
    private readonly approval: ApprovalConfig | undefined,
  ) {}

  async upload(actor: Actor, received: ReceivedUpload): Promise<BatchView> {
    const field = (name: string) => received.fields[name]?.at(-1)?.trim() || undefined;
    try {
      const provider = field('provider');
      if (!provider || !isProviderId(provider)) throw new ServeError(422, 'PROVIDER_UNKNOWN', 'choose a provider: openpay, conekta, digitalfemsa or zenrise');
      const sheet = field('sheet');
      // `map`: one field=Header per line (or per repeated field), like --map.
      const mapLines = (received.fields.map ?? []).flatMap((v) => v.split(/\r?\n/)).map((l) => l.trim()).filter(Boolean);
      const map = parseMapOption(mapLines);
      const prepared = await preparePlan(this.ctx, { path: received.path, provider, sheet, map });
      const id = `b_${received.storedName.slice(0, 8)}${Date.now().toString(36)}`;
      await this.store.createReview(
        { id, status: 'review', uploader: actor.user.name, provider, fileName: received.originalName, storedName: received.storedName, fileHash: prepared.checked.fileHash, ...(sheet ? { sheet } : {}), map, planHash: prepared.planHash, summary: prepared.summary },
        reviewRows(prepared.rows),
      );
      await this.store.audit({ who: actor.user.name, action: 'upload', batchId: id, remote: actor.remote, detail: { file_name: received.originalName, provider, file_hash: prepared.checked.fileHash, plan_hash: prepared.planHash } });
      return await this.view(id);
    } catch (error) {
      await rm(received.path, { force: true });
      if (isRunError(error)) throw new ServeError(422, error.code, error.hint ? `${error.message} (${error.hint})` : error.message);
      throw error;
    }
  }

  async get(id: string): Promise<Review> {
    const review = await this.store.getReview(id);
    if (!review) throw new ServeError(404, 'BATCH_NOT_FOUND', `no batch ${id}`);
    return review;
  }

  async view(id: string): Promise<BatchView> {
    const review = await this.get(id);
    const summary = review.summary as ReviewSummary;
    const approvals = await this.store.approvals(id);
    const approvedBy = approvals.filter((a) => a.planHash === review.planHash).map((a) => a.user);
    const required = requiredApprovals(summary.totalsByCurrency, this.approval);
    const eligible = eligibleApprovers(await this.store.listUsers(), review.uploader, approvedBy, summary.totalsByCurrency, this.approval);
    const progress = await this.progress(review);
    const elsewhere = this.runner.elsewhere(review.id);
    return {
      id: review.id,
      status: review.status,
      uploader: review.uploader,
      provider: review.provider,
      file_name: review.fileName,
      created_at: review.createdAt.toISOString(),
      updated_at: review.updatedAt.toISOString(),
      counts: summary.counts,
      codes: summary.codes,
      totals: summary.totals,
      plan_hash: review.planHash,
      approvals: approvals.map((a) => ({ user: a.user, at: a.at.toISOString() })),
      required_approvals: required,
      eligible_approvers: eligible,
      no_eligible_approver: review.status === 'awaiting_approval' && eligible.length < required - approvedBy.length,
      ...(progress ? { progress } : {}),
      ...(elsewhere && review.status === 'paying' ? { paying_elsewhere: elsewhere } : {}),
      ...(review.reason ? { reason: review.reason } : {}),
      ...(review.ledgerBatchId ? { ledger_batch_id: review.ledgerBatchId } : {}),
      summary,
    };
  }

  async list(): Promise<BatchView[]> {
    return Promise.all((await this.store.listReviews()).map((r) => this.view(r.id)));
  }

  /**
   * The column mapping changed on the review page: the same file planned again with `mapLines` (one field=Header per
   * line, as --map). The batch goes back to review with the new rows, counts and plan hash; approvals given to the old
   * plan are dropped, so it is submitted and approved again.
   */
  async remap(actor: Actor, id: string, mapLines: readonly string[]): Promise<BatchView> {
    const review = await this.get(id);
    const from: ReviewStatus[] = ['review', 'awaiting_approval'];
    if (!from.includes(review.status)) throw new ServeError(409, 'NOT_IN_REVIEW', `batch ${id} is ${review.status}: its mapping changes only in review or awaiting approval`);
    let prepared;
    let map: Record<string, string>;
    try {
      map = parseMapOption(mapLines.map((l) => l.trim()).filter(Boolean));
      prepared = await preparePlan(this.ctx, { path: uploadPath(this.dataDir, review), provider: review.provider as ProviderId, sheet: review.sheet, map });
    } catch (error) {
      if (isRunError(error)) throw new ServeError(422, error.code, error.hint ? `${error.message} (${error.hint})` : error.message);
      throw error;
    }
    if (!(await this.store.replacePlan(id, from, 'review', { map, planHash: prepared.planHash, summary: prepared.summary }, reviewRows(prepared.rows)))) {
      throw new ServeError(409, 'STATUS_CHANGED', `batch ${id} changed meanwhile: reload it`);
    }
    await this.store.audit({ who: actor.user.name, action: 'remap', batchId: id, remote: actor.remote, detail: { map, from: review.planHash, plan_hash: prepared.planHash } });
    this.runner.emit('status', id, 'review');
    return this.view(id);
  }

  /** "Pay the N valid rows": the operator hands the batch to the approvers. */
  async submit(actor: Actor, id: string): Promise<BatchView> {
    const review = await this.get(id);
    const summary = review.summary as ReviewSummary;
    if (review.status !== 'review') throw new ServeError(409, 'NOT_IN_REVIEW', `batch ${id} is ${review.status}, not in review`);
    if (summary.toPay === 0) throw new ServeError(422, 'NOTHING_TO_PAY', 'no row of this file can be paid');
    if (summary.insufficientFunds) throw new ServeError(422, 'INSUFFICIENT_FUNDS', 'the batch does not fit the balance (fees included)');
    await this.move(actor, id, ['review'], 'awaiting_approval', 'submit');
    return this.view(id);
  }

  async approve(actor: Actor, id: string, givenPlanHash: string | undefined): Promise<BatchView> {
    const review = await this.get(id);
    if (review.status !== 'awaiting_approval') throw new ServeError(409, 'NOT_AWAITING_APPROVAL', `batch ${id} is ${review.status}, not awaiting approval`);
    const approvals = await this.store.approvals(id);
    // The approval is bound to the plan as it is now: the ledger may have moved since the page was shown.
    const prepared = await preparePlan(this.ctx, { path: uploadPath(this.dataDir, review), provider: review.provider as ProviderId, sheet: review.sheet, map: review.map });
    if (prepared.planHash !== review.planHash) {
      await this.store.clearApprovals(id);
      await this.store.transition(id, ['awaiting_approval'], 'awaiting_approval', { planHash: prepared.planHash, summary: prepared.summary });
      await this.store.audit({ who: actor.user.name, action: 'plan_changed', batchId: id, remote: actor.remote, detail: { from: review.planHash, to: prepared.planHash } });
    }
    const totals = prepared.summary.totalsByCurrency;
    checkApproval({
      user: actor.user,
      uploader: review.uploader,
      approvedBy: approvals.map((a) => a.user),
      currentPlanHash: prepared.planHash,
      givenPlanHash,
      totals,
      config: this.approval,
    });
    if (!(await this.store.addApproval({ batchId: id, user: actor.user.name, planHash: prepared.planHash, at: new Date() }))) {
      throw new ServeError(409, 'ALREADY_APPROVED', `${actor.user.name} already approved this batch: no one approves twice`);
    }
    await this.store.audit({ who: actor.user.name, action: 'approve', batchId: id, remote: actor.remote, detail: { plan_hash: prepared.planHash } });
    const approved = (await this.store.approvals(id)).filter((a) => a.planHash === prepared.planHash).length;
    if (approved >= requiredApprovals(totals, this.approval) && (await this.store.transition(id, ['awaiting_approval'], 'approved'))) {
      await this.store.audit({ action: 'status_approved', batchId: id, detail: { approvals: approved } });
      this.runner.start(id);
    }
    return this.view(id);
  }

  async reject(actor: Actor, id: string, reason: string | undefined): Promise<BatchView> {
    const review = await this.get(id);
    if (review.status !== 'review' && review.status !== 'awaiting_approval') throw new ServeError(409, 'NOT_REJECTABLE', `batch ${id} is ${review.status}: only a batch in review or awaiting approval can be rejected`);
    await this.move(actor, id, ['review', 'awaiting_approval'], 'rejected', 'reject', { reason: (reason ?? '').slice(0, 500) || 'rejected' });
    return this.view(id);
  }

  async pause(actor: Actor, id: string): Promise<BatchView> {
    const review = await this.get(id);
    if (review.status !== 'paying') throw new ServeError(409, 'NOT_PAYING', `batch ${id} is ${review.status}, not paying`);
    if (!(await this.runner.pause(id))) throw new ServeError(409, 'NOT_PAYING_HERE', `batch ${id} is being paid by another server on this ledger: pause it there`);
    await this.store.audit({ who: actor.user.name, action: 'pause', batchId: id, remote: actor.remote });
    return this.view(id);
  }

  async resume(actor: Actor, id: string): Promise<BatchView> {
    await this.move(actor, id, ['paused'], 'paying', 'resume');
    this.runner.start(id);
    return this.view(id);
  }

  private async move(actor: Actor, id: string, from: readonly ReviewStatus[], to: ReviewStatus, action: string, fields: { reason?: string } = {}) {
    if (!(await this.store.transition(id, from, to, fields))) {
      const now = await this.get(id);
      throw new ServeError(409, 'STATUS_CHANGED', `batch ${id} is ${now.status}: ${action} needs ${from.join(' or ')}`);
    }
    await this.store.audit({ who: actor.user.name, action, batchId: id, remote: actor.remote, ...(fields.reason ? { detail: { reason: fields.reason } } : {}) });
    this.runner.emit('status', id, to);
  }

  private async progress(review: Review): Promise<ProgressView | undefined> {
    // Live figures only while paying: a batch another server finished may still be winding down here.
    const live = review.status === 'paying' ? this.runner.live(review.id) : undefined;
    if (live) {
      return {
        total: live.total,
        done: live.done,
        paid_or_pending: live.paidOrPending,
        failed: live.failed,
        unknown: live.unknown,
        not_sent: live.notSent,
        in_flight: live.inFlight,
        rate: live.rate,
        ...(live.etaSeconds !== undefined ? { eta_seconds: live.etaSeconds } : {}),
      };
    }
    if (!review.ledgerBatchId) return undefined;
    const c = await this.ctx.ledger.countsByStatus(review.ledgerBatchId);
    const sent = c.pending.count + c.paid.count + c.failed.count + c.unknown.count;
    return {
      total: sent + c.queued.count + c.sending.count + c.not_sent.count,
      done: c.pending.count + c.paid.count + c.failed.count,
      paid_or_pending: c.pending.count + c.paid.count,
      failed: c.failed.count,
      unknown: c.unknown.count,
      not_sent: c.not_sent.count,
      in_flight: c.sending.count,
    };
  }
}
