import {
  costToday,
  criticalWarnings,
  isStoppable,
  selectResources,
  spendByKind,
  warningKey
} from '../spend/rows';
import { resource, snapshot } from './fixtures';

describe('costToday', () => {
  // Local times, so the test holds in any time zone.
  const at = new Date(2026, 10, 23, 10, 0, 0); // 10:00 local: 10 h since midnight
  const iso = (d: Date) => d.toISOString();

  it('takes min(accrued, rate x hours since midnight) per resource of the scope', () => {
    const snap = snapshot({
      resources: [
        // running for days: capped at 10 h today
        resource({
          id: 'a',
          per_hour: 2,
          accrued: 500,
          scopes: ['mine', 'region']
        }),
        // started at 07:00: 3 h today (accrued 3 h worth)
        resource({
          id: 'b',
          per_hour: 1,
          accrued: 3,
          started_at: iso(new Date(2026, 10, 23, 7, 0, 0)),
          scopes: ['mine', 'region']
        }),
        // not mine
        resource({ id: 'c', per_hour: 100, accrued: 1000, scopes: ['region'] })
      ]
    });
    const today = costToday(snap, 'mine', at);
    expect(today.usd).toBeCloseTo(2 * 10 + 3, 6);
    expect(today.unpriced).toBe(0);
    expect(costToday(snap, 'region', at).usd).toBeCloseTo(20 + 3 + 1000, 6);
  });

  it('counts unpriced resources instead of adding $0', () => {
    const snap = snapshot({
      resources: [
        resource({
          id: 'a',
          per_hour: null,
          accrued: null,
          price_known: false,
          scopes: ['mine']
        }),
        resource({ id: 'b', per_hour: 0.5, accrued: 100, scopes: ['mine'] })
      ]
    });
    expect(costToday(snap, 'mine', at)).toEqual({ usd: 5, unpriced: 1 });
  });
});

describe('selectResources', () => {
  const rows = [
    resource({
      id: 'endpoint:a',
      name: 'churn-xgb',
      per_hour: 0.5,
      scopes: ['mine', 'region'],
      owner: 'alice'
    }),
    resource({
      id: 'app:b',
      kind: 'app',
      name: 'canvas',
      per_hour: 1.9,
      scopes: ['domain', 'region'],
      owner: 'bob'
    }),
    resource({
      id: 'nb:c',
      kind: 'notebook-instance',
      name: 'legacy-nb',
      per_hour: null,
      scopes: ['region']
    })
  ];

  it('filters by scope and text', () => {
    expect(selectResources(rows, { scope: 'mine' }).map(r => r.id)).toEqual([
      'endpoint:a'
    ]);
    expect(
      selectResources(rows, { scope: 'all', filter: 'BOB' }).map(r => r.id)
    ).toEqual(['app:b']);
    expect(
      selectResources(rows, { scope: 'all', filter: 'notebook' }).map(r => r.id)
    ).toEqual(['nb:c']);
  });

  it('sorts by rate descending by default, unknown last either way', () => {
    expect(selectResources(rows, { scope: 'all' }).map(r => r.id)).toEqual([
      'app:b',
      'endpoint:a',
      'nb:c'
    ]);
    expect(
      selectResources(rows, {
        scope: 'all',
        sortKey: 'per_hour',
        descending: false
      }).map(r => r.id)
    ).toEqual(['endpoint:a', 'app:b', 'nb:c']);
    expect(
      selectResources(rows, {
        scope: 'all',
        sortKey: 'name',
        descending: false
      }).map(r => r.name)
    ).toEqual(['canvas', 'churn-xgb', 'legacy-nb']);
  });
});

describe('spendByKind', () => {
  it('sums priced lines per kind and counts unpriced ones', () => {
    const rows = [
      resource({ kind: 'endpoint', per_hour: 1 }),
      resource({ kind: 'endpoint', per_hour: 2 }),
      resource({ kind: 'app', per_hour: 0.5 }),
      resource({ kind: 'app', per_hour: null }),
      resource({ kind: 'efs', per_hour: null })
    ];
    expect(spendByKind(rows)).toEqual([
      { kind: 'endpoint', perHour: 3, unpriced: 0 },
      { kind: 'app', perHour: 0.5, unpriced: 1 },
      // no priced line: unknown, not $0
      { kind: 'efs', perHour: null, unpriced: 1 }
    ]);
  });
});

describe('warnings and stoppability', () => {
  it('counts only severity critical as critical', () => {
    const snap = snapshot({
      warnings: [
        {
          code: 'canvas-running',
          severity: 'critical',
          message: 'm',
          resource_id: 'app:x'
        },
        {
          code: 'price-unknown',
          severity: 'info',
          message: 'm',
          resource_id: 'app:y'
        },
        {
          code: 'storage-orphaned',
          severity: 'warning',
          message: 'm',
          resource_id: 'efs:z'
        },
        {
          code: 'something-new',
          severity: 'critical',
          message: 'm',
          resource_id: null
        }
      ]
    });
    expect(criticalWarnings(snap).map(w => w.code)).toEqual([
      'canvas-running',
      'something-new'
    ]);
    expect(warningKey(snap.warnings[0])).toBe('canvas-running|app:x');
    expect(criticalWarnings(null)).toEqual([]);
  });

  it('storage cannot be stopped', () => {
    const refused = resource({
      kind: 'efs',
      stoppable: false,
      stop_refused_reason: 'An EFS file system bills until it is deleted'
    });
    expect(isStoppable(refused)).toBe(false);
    expect(isStoppable(resource({ kind: 'endpoint' }))).toBe(true);
  });
});
