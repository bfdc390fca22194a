/** Calls of the idle auto-stop REST API. None of them counts as server activity. */
import { requestAPI } from '../api/request';
import { IIdleStatus } from './types';

const NO_TRACK = { trackActivity: false };

export interface IIdleApi {
  /** Poll; `unsaved` names this tab's documents with unsaved changes. */
  get(clientId: string, unsaved?: string[]): Promise<IIdleStatus>;
  put(settings: {
    enabled?: boolean;
    timeout_minutes?: number;
  }): Promise<IIdleStatus>;
  keepalive(minutes: number | null): Promise<IIdleStatus>;
  /** Arm (or cancel) the one-shot "stop when done". */
  stopWhenDone(armed: boolean): Promise<IIdleStatus>;
  activity(clientId: string): Promise<{ accepted: boolean }>;
  saved(
    id: string,
    clientId: string,
    ok: boolean,
    error: string | null
  ): Promise<unknown>;
  bye(clientId: string): Promise<unknown>;
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  body: JSON.stringify(body)
});

export const serverIdleApi: IIdleApi = {
  get: (clientId, unsaved) => {
    const query = new URLSearchParams({ client: clientId });
    if (unsaved) {
      // One empty value says "none"; no parameter at all would mean "not reported".
      for (const path of unsaved.length ? unsaved : ['']) {
        query.append('unsaved', path);
      }
    }
    return requestAPI<IIdleStatus>(`idle?${query.toString()}`, {}, NO_TRACK);
  },
  put: settings =>
    requestAPI<IIdleStatus>('idle', json('PUT', settings), NO_TRACK),
  keepalive: minutes =>
    requestAPI<IIdleStatus>(
      'idle/keepalive',
      json('POST', minutes === null ? {} : { minutes }),
      NO_TRACK
    ),
  stopWhenDone: armed =>
    requestAPI<IIdleStatus>(
      'idle/stop-when-done',
      json('POST', { armed }),
      NO_TRACK
    ),
  activity: clientId =>
    requestAPI<{ accepted: boolean }>(
      'idle/activity',
      json('POST', { client: clientId }),
      NO_TRACK
    ),
  saved: (id, clientId, ok, error) =>
    requestAPI(
      'idle/saved',
      json('POST', { id, client: clientId, ok, error }),
      NO_TRACK
    ),
  bye: clientId =>
    requestAPI(
      `idle?client=${encodeURIComponent(clientId)}`,
      { method: 'DELETE', keepalive: true },
      NO_TRACK
    )
};
