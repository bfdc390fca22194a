import { Notification } from '@jupyterlab/apputils';

import { IIdleApi } from '../idle/api';
import { countdown, secondsLeft, shortMinutes } from '../idle/format';
import { ACTIVITY_INTERVAL_MS, IdleModel } from '../idle/model';
import { nullTranslator } from '@jupyterlab/translation';

import { AutoStopNotifier } from '../idle/notify';
import { AutoStopItem } from '../idle/statusbar';
import { IIdleStatus } from '../idle/types';
import { after, shown } from './render';

function status(extra: Partial<IIdleStatus> = {}): IIdleStatus {
  return {
    enabled: true,
    timeout_minutes: 60,
    grace_minutes: 5,
    check_seconds: 30,
    bounds: { min: 5, max: 1440 },
    enforced: false,
    dry_run: false,
    state: 'idle',
    idle_seconds: 10,
    stops_at: null,
    seconds_left: null,
    blockers: [],
    keepalive_until: null,
    schedule: { spec: null, timezone: null, next: null, error: null },
    last_action: null,
    save_request: null,
    unsaved: [],
    stop_when_done: { armed: false, state: null, stops_at: null },
    checks: 1,
    ...extra
  };
}

function fakeApi(statuses: IIdleStatus[]) {
  const calls: string[] = [];
  const saved: unknown[] = [];
  const api: IIdleApi = {
    get: async (_client, unsaved) => {
      calls.push(`get ${JSON.stringify(unsaved ?? null)}`);
      return statuses.length > 1 ? statuses.shift()! : statuses[0];
    },
    put: async s => {
      calls.push(`put ${JSON.stringify(s)}`);
      return status();
    },
    keepalive: async m => {
      calls.push(`keepalive ${m}`);
      return status();
    },
    stopWhenDone: async armed => {
      calls.push(`stop-when-done ${armed}`);
      return status({
        stop_when_done: {
          armed,
          state: armed ? 'waiting' : null,
          stops_at: null
        }
      });
    },
    activity: async () => {
      calls.push('activity');
      return { accepted: true };
    },
    saved: async (id, client, ok, error) => {
      saved.push({ id, ok, error });
      return {};
    },
    bye: async () => ({})
  };
  return { api, calls, saved };
}

describe('idle format', () => {
  it('formats countdowns and timeouts', () => {
    expect(countdown(45)).toBe('45 s');
    expect(countdown(125)).toBe('2:05');
    expect(countdown(3723)).toBe('1:02:03');
    expect(shortMinutes(60)).toBe('60m');
    expect(shortMinutes(0.5)).toBe('30s');
    expect(shortMinutes(180)).toBe('3h');
  });

  it('counts down from the server value, not the browser clock', () => {
    const s = status({ seconds_left: 100, stops_at: '1999-01-01T00:00:00Z' });
    expect(secondsLeft(s, 1000, 31000)).toBe(70);
    expect(secondsLeft(status(), 0, 0)).toBeNull();
  });
});

describe('stop when done', () => {
  it('arms through the API and the item says "stops when done"', async () => {
    const { api, calls } = fakeApi([status({ state: 'active' })]);
    const model = new IdleModel({
      api,
      saveAll: async () => [],
      autoStart: false
    });
    const item = new AutoStopItem({
      model,
      trans: nullTranslator.load('jupyter_costwidget'),
      onClick: () => undefined
    });
    await shown(item);
    await after(item, () => model.update());
    expect(item.node.textContent).toBe('auto-stop 60m');
    expect(model.interval).toBe(15000);
    await after(item, () => model.setStopWhenDone(true));
    expect(calls).toContain('stop-when-done true');
    expect(model.status?.stop_when_done.armed).toBe(true);
    expect(model.interval).toBe(2000); // armed: the warning may start at any poll
    // The fake answers state 'idle' with the armed view; an active one reads:
    await after(item, async () => {
      (model as unknown as { setValue(s: IIdleStatus): void }).setValue(
        status({
          state: 'active',
          stop_when_done: { armed: true, state: 'waiting', stops_at: null }
        })
      );
    });
    expect(item.node.textContent).toBe('stops when done');
    expect(item.hasClass('jp-mod-armed')).toBe(true);
    expect(item.node.title).toContain('once the running work is done');
    await after(item, () => model.setStopWhenDone(false));
    expect(calls).toContain('stop-when-done false');
    expect(item.node.textContent).toBe('auto-stop 60m');
    item.dispose();
    model.dispose();
  });
});

describe('IdleModel', () => {
  it('answers a save request once, with the saver errors', async () => {
    const request = { id: 'r1', deadline: '', reason: 'idle' as const };
    const { api, saved } = fakeApi([
      status({ state: 'stopping', save_request: request })
    ]);
    const saver = jest.fn(async () => ['a.ipynb: disk full']);
    const model = new IdleModel({ api, saveAll: saver, autoStart: false });
    await model.update();
    await model.update();
    expect(saver).toHaveBeenCalledTimes(1);
    expect(saved).toEqual([
      { id: 'r1', ok: false, error: 'a.ipynb: disk full' }
    ]);
    model.dispose();
  });

  it('reports a successful save as ok', async () => {
    const request = { id: 'r2', deadline: '', reason: 'idle' as const };
    const { api, saved } = fakeApi([
      status({ state: 'stopping', save_request: request })
    ]);
    const model = new IdleModel({
      api,
      saveAll: async () => [],
      autoStart: false
    });
    await model.update();
    expect(saved).toEqual([{ id: 'r2', ok: true, error: null }]);
    model.dispose();
  });

  it('reports its unsaved documents with every poll', async () => {
    const { api, calls } = fakeApi([status()]);
    let unsaved: string[] = ['b.py', 'a.ipynb'];
    const model = new IdleModel({
      api,
      saveAll: async () => [],
      listUnsaved: () => unsaved,
      autoStart: false
    });
    await model.update();
    unsaved = [];
    await model.update();
    expect(calls).toEqual(['get ["b.py","a.ipynb"]', 'get []']);
    model.dispose();
  });

  it('throttles activity reports to one a minute', async () => {
    let now = 1_000_000;
    const { api, calls } = fakeApi([status()]);
    const model = new IdleModel({
      api,
      saveAll: async () => [],
      autoStart: false,
      now: () => now
    });
    model.reportActivity();
    model.reportActivity();
    now += ACTIVITY_INTERVAL_MS - 1;
    model.reportActivity();
    now += 1;
    model.reportActivity();
    expect(calls.filter(c => c === 'activity')).toHaveLength(2);
    model.dispose();
  });
});

describe('AutoStopNotifier', () => {
  const trans = nullTranslator.load('jupyter_costwidget');
  const cancelled = (finished: string) => ({
    reason: 'idle' as const,
    started: finished,
    finished,
    ok: false,
    cancelled: true,
    message: 'Stop cancelled: the user chose to keep running'
  });
  const failed = (finished: string) => ({
    reason: 'idle' as const,
    started: finished,
    finished,
    ok: false,
    message: 'DeleteApp was denied'
  });

  beforeEach(() => {
    Notification.dismiss();
  });

  async function notifierAfter(statuses: IIdleStatus[]): Promise<string[]> {
    const { api } = fakeApi(statuses);
    const model = new IdleModel({
      api,
      saveAll: async () => [],
      autoStart: false
    });
    new AutoStopNotifier(model, trans);
    for (let i = 0; i < statuses.length + 1; i++) {
      await model.update();
    }
    model.dispose();
    return Notification.manager.notifications.map(n => n.message);
  }

  it('does not tell a stop cancelled before the tab opened', async () => {
    const old = status({ last_action: cancelled('2026-01-01T10:00:00Z') });
    expect(await notifierAfter([old, old])).toEqual([]);
  });

  it('tells a stop cancelled while the tab is open, once', async () => {
    const before = status();
    const after = status({ last_action: cancelled('2026-01-01T10:05:00Z') });
    expect(await notifierAfter([before, after, after])).toEqual([
      'Auto-stop cancelled. Stop cancelled: the user chose to keep running'
    ]);
  });

  it('tells a failed stop even from before the tab opened, once', async () => {
    const old = status({
      state: 'failed',
      last_action: failed('2026-01-01T10:00:00Z')
    });
    expect(await notifierAfter([old, old])).toEqual([
      'Auto-stop failed. DeleteApp was denied'
    ]);
  });
});
