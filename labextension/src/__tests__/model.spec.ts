import { SpendModel, spendPath } from '../spend/model';
import { CostWidgetRequestError } from '../api/request';
import { ISpendSnapshot } from '../types';
import { snapshot } from './fixtures';

function deferredFetcher() {
  const calls: boolean[] = [];
  let next: () => Promise<ISpendSnapshot> = async () => snapshot();
  const fetcher = (refresh: boolean) => {
    calls.push(refresh);
    return next();
  };
  return {
    calls,
    fetcher,
    respond(fn: () => Promise<ISpendSnapshot>) {
      next = fn;
    }
  };
}

describe('SpendModel', () => {
  it('fetches, keeps the snapshot and emits changed', async () => {
    const f = deferredFetcher();
    const model = new SpendModel({ fetchSpend: f.fetcher, autoStart: false });
    let emitted = 0;
    model.changed.connect(() => emitted++);
    await model.update();
    expect(f.calls).toEqual([false]);
    expect(model.snapshot?.totals.mine?.per_hour).toBe(3.1);
    expect(model.error).toBeNull();
    expect(model.stale).toBe(false);
    expect(emitted).toBe(1);
    model.dispose();
  });

  it('keeps the last snapshot and turns stale when a fetch fails', async () => {
    const f = deferredFetcher();
    const model = new SpendModel({ fetchSpend: f.fetcher, autoStart: false });
    await model.update();
    f.respond(() => Promise.reject(new CostWidgetRequestError('boom', 500)));
    await model.update();
    expect(model.snapshot?.totals.mine?.per_hour).toBe(3.1);
    expect(model.error?.message).toBe('boom');
    expect(model.stale).toBe(true);
    expect(model.serverMissing).toBe(false);
    f.respond(async () => snapshot());
    await model.update();
    expect(model.stale).toBe(false);
    model.dispose();
  });

  it('is stale when the server says so', async () => {
    const f = deferredFetcher();
    f.respond(async () => snapshot({ stale: true }));
    const model = new SpendModel({ fetchSpend: f.fetcher, autoStart: false });
    await model.update();
    expect(model.error).toBeNull();
    expect(model.stale).toBe(true);
    model.dispose();
  });

  it('reports a missing server extension (404)', async () => {
    const f = deferredFetcher();
    f.respond(() =>
      Promise.reject(new CostWidgetRequestError('Not Found', 404))
    );
    const model = new SpendModel({ fetchSpend: f.fetcher, autoStart: false });
    await model.update();
    expect(model.snapshot).toBeNull();
    expect(model.serverMissing).toBe(true);
    expect(model.stale).toBe(false);
    model.dispose();
  });

  it('ages the snapshot from the server age plus time since the fetch', async () => {
    let now = 1_000_000;
    const f = deferredFetcher();
    f.respond(async () => snapshot({ age_seconds: 10 }));
    const model = new SpendModel({
      fetchSpend: f.fetcher,
      autoStart: false,
      now: () => now
    });
    expect(model.ageSeconds).toBeNull();
    await model.update();
    now += 50_000;
    expect(model.ageSeconds).toBe(60);
    model.dispose();
  });

  it('polls on its own when started, with activity tracking off by default fetcher', async () => {
    const f = deferredFetcher();
    const model = new SpendModel({ fetchSpend: f.fetcher, interval: 60000 });
    await new Promise<void>(resolve => model.changed.connect(() => resolve()));
    expect(f.calls).toEqual([false]);
    model.dispose();
  });

  it('stops a resource and then asks for a fresh scan', async () => {
    const f = deferredFetcher();
    const stopped: string[] = [];
    const model = new SpendModel({
      fetchSpend: f.fetcher,
      autoStart: false,
      stopResource: async id => {
        stopped.push(id);
        return {
          id,
          kind: 'endpoint',
          name: 'churn-xgb',
          per_hour: 0.596,
          action: 'sagemaker.DeleteEndpoint',
          params: { EndpointName: 'churn-xgb' },
          message: 'ok'
        };
      }
    });
    const result = await model.stop('endpoint:churn-xgb');
    expect(result.action).toBe('sagemaker.DeleteEndpoint');
    expect(stopped).toEqual(['endpoint:churn-xgb']);
    expect(f.calls).toEqual([true]);
    model.dispose();
  });

  it('propagates a refused stop and does not refresh', async () => {
    const f = deferredFetcher();
    const model = new SpendModel({
      fetchSpend: f.fetcher,
      autoStart: false,
      stopResource: () =>
        Promise.reject(new CostWidgetRequestError('not yours', 403))
    });
    await expect(model.stop('app:x')).rejects.toThrow('not yours');
    expect(f.calls).toEqual([]);
    model.dispose();
  });
});

describe('spendPath', () => {
  it('asks for the warnings in the display language, except English', () => {
    expect(spendPath(false, 'ja-JP')).toBe('spend?lang=ja-JP');
    expect(spendPath(true, 'ja-JP')).toBe('spend?refresh=1&lang=ja-JP');
    expect(spendPath(false, 'en')).toBe('spend');
    expect(spendPath(true, 'en-US')).toBe('spend?refresh=1');
    expect(spendPath(false, '')).toBe('spend');
  });
});
