import { ISpendResource, ISpendSnapshot } from '../types';

export function resource(over: Partial<ISpendResource>): ISpendResource {
  return {
    id: 'endpoint:x',
    kind: 'endpoint',
    name: 'x',
    arn: null,
    app_type: null,
    owner: null,
    domain_id: null,
    space: null,
    instance_type: 'ml.m5.xlarge',
    count: 1,
    status: 'InService',
    started_at: null,
    per_hour: 1,
    accrued: 1,
    price_known: true,
    price_estimate: false,
    price_source: 'list',
    price_parts: [],
    notes: [],
    scopes: ['region'],
    warnings: [],
    stale: false,
    stoppable: true,
    stop_refused_reason: null,
    ...over
  };
}

export function snapshot(over: Partial<ISpendSnapshot> = {}): ISpendSnapshot {
  return {
    generated_at: '2026-11-23T12:00:00Z',
    age_seconds: 3,
    stale: false,
    currency: 'USD',
    context: {
      environment: 'studio',
      region: 'ap-northeast-1',
      account: '123456789012',
      domain_id: 'd-demo1',
      user_profile: 'alice',
      space: 'alice-space',
      app_type: 'JupyterLab',
      app_name: 'default',
      instance_type: 'ml.g5.xlarge'
    },
    totals: {
      self: { per_hour: 1.46, accrued: 4.38, unpriced: 0 },
      mine: { per_hour: 3.1, accrued: 20.5, unpriced: 0 },
      domain: { per_hour: 5, accrued: 400, unpriced: 0 },
      region: { per_hour: 9, accrued: 900, unpriced: 1 },
      account: { per_hour: 9, accrued: 900, unpriced: 1 }
    },
    resources: [],
    warnings: [],
    errors: [],
    stale_sources: [],
    scan: { calls: 23, seconds: 0.6 },
    history: [],
    shared: null,
    ...over
  };
}
