/** Shapes of the idle auto-stop API (GET/PUT costwidget/api/idle). */

export type IdleStateName =
  | 'disabled'
  | 'active'
  | 'idle'
  | 'warning'
  | 'stopping'
  | 'stopped'
  | 'failed';

export interface IIdleBlocker {
  kind:
    'kernel' | 'terminal' | 'user' | 'cpu' | 'gpu' | 'keepalive' | 'unsaved';
  name: string;
  detail: string;
}

export interface ISaveRequest {
  id: string;
  deadline: string;
  reason: string;
}

export interface IIdleLastAction {
  ok: boolean;
  reason?: string;
  summary?: string;
  message?: string;
  cancelled?: boolean;
  dry_run?: boolean;
  finished?: string;
  error?: {
    source: string;
    code: string;
    message: string;
    hint: string;
  } | null;
}

export interface IIdleStatus {
  enabled: boolean;
  timeout_minutes: number;
  grace_minutes: number;
  check_seconds: number;
  bounds: { min: number; max: number };
  enforced: boolean;
  dry_run: boolean;
  state: IdleStateName;
  idle_seconds: number;
  stops_at: string | null;
  seconds_left: number | null;
  blockers: IIdleBlocker[];
  keepalive_until: string | null;
  schedule: {
    spec: string | null;
    timezone: string | null;
    next: string | null;
    error: string | null;
  };
  last_action: IIdleLastAction | null;
  /** Tabs whose last report named unsaved documents (a silent one holds the stop). */
  unsaved: { client: string; documents: string[]; last_seen: string }[];
  save_request: ISaveRequest | null;
}
