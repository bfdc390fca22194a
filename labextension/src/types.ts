/**
 * The names the front-end uses for the server's JSON. The shapes themselves are generated
 * from the server's models (api/types.ts, from jupyter_costwidget/api/schema.json): change
 * them there, never here.
 */
import type * as api from './api/types';

export type ISpendSnapshot = api.SpendSnapshot;
export type ISpendResource = api.ResourceRow;
export type ISpendTotal = api.ScopeTotal;
export type ISpendContext = api.Context;
export type ISpendWarning = api.SpendWarning;
export type ISpendError = api.SourceError;
export type IHistoryPoint = api.HistoryPoint;
export type IStopResult = api.StopResult;
export type IApiError = api.ApiError;

export type ScopeName = api.ResourceRow['scopes'][number];
export type ResourceKind = api.ResourceRow['kind'];
export type Severity = api.SpendWarning['severity'];

export const SCOPES: ReadonlyArray<ScopeName> = [
  'self',
  'mine',
  'domain',
  'region',
  'account'
];
