import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseApprovalConfig } from '../config/approval-config.ts';
import { loadConfig, parseDecimal } from '../config/load-config.ts';
import { checkApproval, eligibleApprovers, requiredApprovals, type ApprovalCase } from './approval-rules.ts';
import { isServeError } from './serve-error.ts';

const parse = (raw: unknown) => {
  const errors: string[] = [];
  return { config: parseApprovalConfig(raw, 'cfg', errors, parseDecimal), errors };
};

describe('approval rules', () => {
  it('reads rules and limits from the config, strictly', () => {
    const { config, errors } = parse({ rules: [{ above: '50000.00', currency: 'MXN', approvers: 2 }], limits: { ana: { MXN: '250000.00' } } });
    expect(errors).toEqual([]);
    expect(config).toEqual({ rules: [{ aboveMinor: 5_000_000, currency: 'MXN', approvers: 2 }], limits: { ana: { MXN: 25_000_000 } } });
    const bad = parse({ rules: [{ above: 50000.001, currency: 'USD', approvers: 0, when: 1 }], limits: { ana: { MXN: 'mucho' } }, other: 1 });
    expect(bad.errors).toHaveLength(6);
    expect(bad.config.rules).toEqual([]);
  });

  it('is read from the config file under "approval"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'approval-config-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ approval: { rules: [{ above: '50000.00', currency: 'MXN', approvers: 2 }] } }));
    const loaded = loadConfig({ path, target: 'simulator', env: {} });
    expect(loaded.errors).toEqual([]);
    expect(loaded.config.approval?.rules).toEqual([{ aboveMinor: 5_000_000, currency: 'MXN', approvers: 2 }]);
    writeFileSync(path, JSON.stringify({ approval: { rules: [{ above: '1', currency: 'MXN', approvers: 'two' }] } }));
    expect(loadConfig({ path, target: 'simulator', env: {} }).errors).toHaveLength(1);
  });

  it('needs the approvers of the highest rule whose currency total is above its amount; one otherwise', () => {
    const { config } = parse({ rules: [{ above: '50000.00', currency: 'MXN', approvers: 2 }, { above: '500000.00', currency: 'MXN', approvers: 3 }, { above: '1000.00', currency: 'ARS', approvers: 2 }] });
    expect(requiredApprovals({ MXN: 5_000_000 }, config)).toBe(1);
    expect(requiredApprovals({ MXN: 5_000_001 }, config)).toBe(2);
    expect(requiredApprovals({ MXN: 60_000_000 }, config)).toBe(3);
    expect(requiredApprovals({ ARS: 100_001, MXN: 1 }, config)).toBe(2);
    expect(requiredApprovals({ MXN: 99_999_999 }, undefined)).toBe(1);
  });

  const base: ApprovalCase = { user: { name: 'ana', role: 'approver' }, uploader: 'olga', approvedBy: [], currentPlanHash: 'h1', givenPlanHash: 'h1', totals: { MXN: 100 }, config: undefined };
  const refusal = (c: Partial<ApprovalCase>) => {
    try {
      checkApproval({ ...base, ...c });
      return 'ok';
    } catch (error) {
      if (!isServeError(error)) throw error;
      return `${error.status} ${error.code}`;
    }
  };

  it('refuses the uploader, a second approval, a stale or missing plan hash, other roles and users over their limit', () => {
    expect(refusal({})).toBe('ok');
    expect(refusal({ uploader: 'ana' })).toBe('403 SELF_APPROVAL');
    expect(refusal({ approvedBy: ['ana'] })).toBe('409 ALREADY_APPROVED');
    expect(refusal({ givenPlanHash: 'h0' })).toBe('409 PLAN_HASH_STALE');
    expect(refusal({ givenPlanHash: undefined })).toBe('422 PLAN_HASH_REQUIRED');
    expect(refusal({ user: { name: 'ana', role: 'operator' } })).toBe('403 ROLE_FORBIDDEN');
    expect(refusal({ user: { name: 'ana', role: 'viewer' } })).toBe('403 ROLE_FORBIDDEN');
    expect(refusal({ config: parse({ limits: { ana: { MXN: '0.99' } } }).config })).toBe('403 APPROVAL_LIMIT');
    expect(refusal({ config: parse({ limits: { ana: { MXN: '1.00' } } }).config })).toBe('ok');
  });

  it('lists who could still approve', () => {
    const users = [
      { name: 'olga', role: 'operator' as const },
      { name: 'ana', role: 'approver' as const },
      { name: 'beto', role: 'approver' as const },
      { name: 'cris', role: 'approver' as const },
    ];
    expect(eligibleApprovers(users, 'beto', ['ana'], { MXN: 100 }, undefined)).toEqual(['cris']);
    expect(eligibleApprovers(users, 'olga', [], { MXN: 100 }, parse({ limits: { cris: { MXN: '0.50' } } }).config)).toEqual(['ana', 'beto']);
  });
});
