/**
 * Names for the idle auto-stop API's JSON; the shapes are generated (../api/types.ts).
 */
import type * as api from '../api/types';

export type IIdleStatus = api.IdleStatus;
export type IIdleBlocker = api.Blocker;
export type ISaveRequest = api.SaveRequest;
export type IIdleLastAction = api.LastAction;
export type IdleStateName = api.IdleStatus['state'];
