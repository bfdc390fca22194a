import { ServerConnection } from '@jupyterlab/services';

import { fetchSpendFromServer, stopResourceOnServer } from '../spend/model';

describe('requests of the spend model', () => {
  let urls: string[];
  let inits: RequestInit[];

  beforeEach(() => {
    urls = [];
    inits = [];
    jest
      .spyOn(ServerConnection, 'makeRequest')
      .mockImplementation(async (url: string, init: RequestInit) => {
        urls.push(url);
        inits.push(init);
        return new Response(JSON.stringify({ ok: true }), { status: 200 });
      });
  });

  afterEach(() => jest.restoreAllMocks());

  it('polls /spend without tracking activity', async () => {
    await fetchSpendFromServer(false);
    await fetchSpendFromServer(true);
    expect(urls[0]).toMatch(/costwidget\/api\/spend\?no_track_activity=1$/);
    expect(urls[1]).toMatch(
      /costwidget\/api\/spend\?refresh=1&no_track_activity=1$/
    );
  });

  it('stops with an explicit confirmation (a user action: activity tracked)', async () => {
    await stopResourceOnServer('endpoint:churn-xgb');
    expect(urls[0]).toMatch(/costwidget\/api\/resources\/stop$/);
    expect(inits[0].method).toBe('POST');
    expect(JSON.parse(String(inits[0].body))).toEqual({
      id: 'endpoint:churn-xgb',
      confirm: true
    });
  });
});
