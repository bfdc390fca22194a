/**
 * Pure arithmetic and selection over a spend snapshot (no DOM, no network).
 */
import {
  ISpendResource,
  ISpendSnapshot,
  ISpendTotal,
  ISpendWarning,
  ScopeName
} from '../types';

/** The server says whether this user may stop the resource (it still checks every stop). */
export function isStoppable(resource: ISpendResource): boolean {
  return resource.stoppable;
}

/** Local midnight (of the browser's time zone) of the day containing `at`. */
export function localMidnight(at: Date): Date {
  return new Date(at.getFullYear(), at.getMonth(), at.getDate());
}

/**
 * Cost since local midnight of the resources in `scope`, as of `at` (default: the snapshot's
 * time). Per resource: min(accrued, per_hour × hours since midnight); a resource without a
 * price counts in `unpriced`.
 */
export function costToday(
  snapshot: ISpendSnapshot,
  scope: ScopeName,
  at?: Date
): { usd: number | null; unpriced: number } {
  const when =
    at ??
    (snapshot.generated_at ? new Date(snapshot.generated_at) : new Date());
  const hoursToday = (when.getTime() - localMidnight(when).getTime()) / 3.6e6;
  let usd = 0;
  let unpriced = 0;
  for (const resource of snapshot.resources) {
    if (!resource.scopes.includes(scope)) {
      continue;
    }
    if (resource.per_hour === null || resource.per_hour === undefined) {
      unpriced += 1;
      continue;
    }
    let running = hoursToday;
    if (resource.started_at) {
      const started = new Date(resource.started_at).getTime();
      if (isFinite(started)) {
        running = Math.min(
          running,
          Math.max(0, (when.getTime() - started) / 3.6e6)
        );
      }
    }
    const sinceMidnight = resource.per_hour * running;
    const accrued = resource.accrued;
    usd +=
      accrued === null || accrued === undefined
        ? sinceMidnight
        : Math.min(accrued, sinceMidnight);
  }
  return { usd, unpriced };
}

/** The total of a scope, or an "unknown" total when the server sent none. */
export function scopeTotal(
  snapshot: ISpendSnapshot,
  scope: ScopeName
): ISpendTotal {
  return (
    snapshot.totals[scope] ?? { per_hour: null, accrued: null, unpriced: 0 }
  );
}

/** Burn rate per resource kind (priced lines only), largest first. */
export function spendByKind(
  resources: ReadonlyArray<ISpendResource>
): Array<{ kind: string; perHour: number | null; unpriced: number }> {
  const byKind = new Map<
    string,
    { perHour: number; priced: number; unpriced: number }
  >();
  for (const r of resources) {
    const entry = byKind.get(r.kind) ?? { perHour: 0, priced: 0, unpriced: 0 };
    if (r.per_hour === null || r.per_hour === undefined) {
      entry.unpriced += 1;
    } else {
      entry.perHour += r.per_hour;
      entry.priced += 1;
    }
    byKind.set(r.kind, entry);
  }
  // A kind with no priced line has an unknown rate (null), never $0.
  return [...byKind.entries()]
    .map(([kind, v]) => ({
      kind,
      perHour: v.priced ? v.perHour : null,
      unpriced: v.unpriced
    }))
    .sort(
      (a, b) =>
        (b.perHour ?? -1) - (a.perHour ?? -1) || a.kind.localeCompare(b.kind)
    );
}

export type SortKey =
  | 'kind'
  | 'name'
  | 'owner'
  | 'instance'
  | 'status'
  | 'started_at'
  | 'per_hour'
  | 'accrued';

function sortValue(r: ISpendResource, key: SortKey): string | number | null {
  switch (key) {
    case 'instance':
      return r.instance_type ?? null;
    case 'per_hour':
      return r.per_hour;
    case 'accrued':
      return r.accrued;
    case 'started_at':
      return r.started_at ? new Date(r.started_at).getTime() : null;
    default:
      return (r[key] as string | null | undefined) ?? null;
  }
}

/** Resources of a scope ('all' for every one) whose text matches `filter`, sorted. */
export function selectResources(
  resources: ReadonlyArray<ISpendResource>,
  options: {
    scope: ScopeName | 'all';
    filter?: string;
    sortKey?: SortKey;
    descending?: boolean;
  }
): ISpendResource[] {
  const needle = (options.filter ?? '').trim().toLowerCase();
  const selected = resources.filter(r => {
    if (options.scope !== 'all' && !r.scopes.includes(options.scope)) {
      return false;
    }
    if (!needle) {
      return true;
    }
    return [r.kind, r.name, r.owner, r.instance_type, r.status, r.app_type]
      .filter(Boolean)
      .some(v => String(v).toLowerCase().includes(needle));
  });
  const key = options.sortKey ?? 'per_hour';
  const descending = options.descending ?? key === 'per_hour';
  const sign = descending ? -1 : 1;
  return selected.sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    // Unknown values sort last whichever the direction.
    if (va === null && vb === null) {
      return a.id.localeCompare(b.id);
    }
    if (va === null) {
      return 1;
    }
    if (vb === null) {
      return -1;
    }
    const cmp =
      typeof va === 'number' && typeof vb === 'number'
        ? va - vb
        : String(va).localeCompare(String(vb));
    return cmp * sign || a.id.localeCompare(b.id);
  });
}

/**
 * Warnings that keep billing by the hour until someone acts get the badge and a toast. The
 * server decides which those are (severity 'critical': Canvas running, idle endpoint, GPU
 * app running long).
 */
export function isCritical(w: ISpendWarning): boolean {
  return w.severity === 'critical';
}

export function criticalWarnings(
  snapshot: ISpendSnapshot | null
): ISpendWarning[] {
  return (snapshot?.warnings ?? []).filter(isCritical);
}

/** Stable identity of a warning for de-duplicating notifications. */
export function warningKey(w: ISpendWarning): string {
  return `${w.code}|${w.resource_id ?? ''}`;
}

/** Rows of one region: this region's first (`region` null), then the others by name. */
export interface IRegionGroup {
  region: string | null;
  rows: ISpendResource[];
  perHour: number;
  unpriced: number;
}

export function groupByRegion(
  rows: ISpendResource[],
  home: string | null
): IRegionGroup[] {
  const groups = new Map<string | null, ISpendResource[]>([[null, []]]);
  for (const row of rows) {
    const region = row.region && row.region !== home ? row.region : null;
    groups.set(region, [...(groups.get(region) ?? []), row]);
  }
  const others = [...groups.keys()]
    .filter((region): region is string => region !== null)
    .sort();
  return [null, ...others].map(region => {
    const inRegion = groups.get(region) ?? [];
    return {
      region,
      rows: inRegion,
      perHour: inRegion.reduce((sum, r) => sum + (r.per_hour ?? 0), 0),
      unpriced: inRegion.filter(r => !r.price_known).length
    };
  });
}
