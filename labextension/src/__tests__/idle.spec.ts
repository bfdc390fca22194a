import { IIdleApi } from '../idle/api';
import { countdown, secondsLeft, shortMinutes } from '../idle/format';
import { ACTIVITY_INTERVAL_MS, IdleModel } from '../idle/model';
import { IIdleStatus } from '../idle/types';

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
