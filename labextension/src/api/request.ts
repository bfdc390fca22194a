import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** Error of a costwidget API call, with the HTTP status (404: server extension missing). */
export class CostWidgetRequestError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

/**
 * Call the server extension's REST API under `{baseUrl}costwidget/api/`.
 *
 * Polling requests pass `trackActivity: false` so the meter itself never keeps an idle
 * server "active" (jupyter_server honours `no_track_activity`).
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  options: { trackActivity?: boolean } = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  let requestUrl = URLExt.join(settings.baseUrl, 'costwidget', 'api', endPoint);
  if (options.trackActivity === false) {
    requestUrl +=
      (requestUrl.includes('?') ? '&' : '?') + 'no_track_activity=1';
  }
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(requestUrl, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = text;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      // not JSON: keep the text for the error message
    }
  }
  if (!response.ok) {
    const message =
      (data && typeof data === 'object' && data.message) ||
      response.statusText ||
      String(response.status);
    throw new CostWidgetRequestError(message, response.status);
  }
  return data as T;
}
