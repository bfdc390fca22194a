/**
 * The JSON of GET costwidget/api/spend (issue 5, section 5) and of the stop route.
 * Fields the server may add later are optional here.
 */

export type ScopeName = 'self' | 'mine' | 'domain' | 'region';

export const SCOPES: ReadonlyArray<ScopeName> = [
  'self',
  'mine',
  'domain',
  'region'
];

export type ResourceKind =
  | 'app'
  | 'space-storage'
  | 'efs'
  | 'endpoint'
  | 'training-job'
  | 'processing-job'
  | 'transform-job'
  | 'notebook-instance';

export interface ISpendTotal {
  per_hour: number | null;
  accrued: number | null;
  /** How many lines of this scope have no price (totals are then lower bounds). */
  unpriced: number;
  /** Cost since local midnight, when the server computes it. */
  today?: number | null;
}

export interface ISpendContext {
  environment: 'studio' | 'studio-classic' | 'notebook-instance' | 'local';
  region: string | null;
  account: string | null;
  domain_id: string | null;
  user_profile: string | null;
  space: string | null;
  app_type: string | null;
  app_name: string | null;
  instance_type: string | null;
}

export interface ISpendResource {
  id: string;
  kind: ResourceKind | string;
  name: string;
  app_type?: string | null;
  owner?: string | null;
  domain_id?: string | null;
  instance_type?: string | null;
  count?: number | null;
  status?: string | null;
  started_at?: string | null;
  per_hour: number | null;
  accrued: number | null;
  price_known: boolean;
  price_estimate?: boolean;
  /** 'derived': priced by AWS's same-compute-price rule (the rule is in `notes`). */
  price_source?: 'list' | 'derived';
  notes?: string[];
  scopes: ScopeName[];
  warnings: string[];
}

export type Severity = 'info' | 'warning' | 'critical' | string;

export interface ISpendWarning {
  code: string;
  severity: Severity;
  message: string;
  resource_id: string | null;
}

export interface ISpendError {
  source: string;
  code: string;
  message: string;
  hint: string;
}

export interface IHistoryPoint {
  t: string;
  mine_per_hour: number | null;
}

export interface ISpendSnapshot {
  generated_at: string | null;
  age_seconds: number | null;
  stale: boolean;
  currency: string;
  context: ISpendContext;
  totals: Partial<Record<ScopeName, ISpendTotal>>;
  resources: ISpendResource[];
  warnings: ISpendWarning[];
  errors: ISpendError[];
  history?: IHistoryPoint[];
}

/** Answer of POST costwidget/api/resources/stop. */
export interface IStopResult {
  id: string;
  kind?: string;
  name?: string;
  action: string;
  message: string;
}
