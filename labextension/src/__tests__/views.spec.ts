import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';

import { SpendModel } from '../spend/model';
import {
  CriticalWarningNotifier,
  newWarnings,
  NotifiedStore
} from '../spend/notify';
import { CostWidgetRequestError } from '../api/request';
import { MeterSettings, readSettings } from '../settings';
import { meterLevel, SpendStatusItem } from '../spend/statusbar';
import { ISpendSnapshot, ISpendWarning } from '../types';
import { resource, snapshot } from './fixtures';
import { after, rendered, shown } from './render';

const trans = nullTranslator.load('jupyter_costwidget');

function modelWith(
  responses: Array<() => Promise<ISpendSnapshot>>,
  now?: () => number
) {
  let i = 0;
  return new SpendModel({
    autoStart: false,
    now,
    fetchSpend: () => responses[Math.min(i++, responses.length - 1)]()
  });
}

const canvasWarning: ISpendWarning = {
  code: 'canvas-running',
  severity: 'critical',
  message: 'Canvas of bob has been running for 9 d',
  resource_id: 'app:d-demo1/bob/Canvas/default'
};

describe('SpendStatusItem', () => {
  it('shows the mine rate, today, a badge and a stale age', async () => {
    const snap = snapshot({
      resources: [
        resource({
          id: 'a',
          per_hour: 3.1,
          accrued: 1.5,
          scopes: ['mine', 'region']
        })
      ],
      warnings: [canvasWarning]
    });
    let clock = 1_000_000;
    const model = modelWith(
      [
        async () => snap,
        () => Promise.reject(new CostWidgetRequestError('AWS down', 500))
      ],
      () => clock
    );
    const item = new SpendStatusItem({
      model,
      settings: new MeterSettings(null),
      trans,
      onOpen: () => undefined
    });
    await shown(item);
    expect(item.node.textContent).toBe('…');
    await after(item, () => model.update());
    const text = item.node.querySelector('.jp-CostWidget-status-text')!;
    expect(text.textContent).toBe('$3.10/h · $1.50');
    expect(item.node.querySelector('.jp-CostWidget-badge')!.textContent).toBe(
      '1'
    );
    expect(item.hasClass('jp-CostWidget-level-warn')).toBe(true);
    expect(item.hasClass('jp-CostWidget-stale')).toBe(false);
    expect(item.node.title).toContain('Mine: $3.10/h, $20.50 so far');
    expect(item.node.title).toContain('Region: ≥ $9.00/h');

    await after(item, () => model.update());
    expect(item.hasClass('jp-CostWidget-stale')).toBe(true);
    expect(text.textContent).toBe('$3.10/h · $1.50');
    const age = item.node.querySelector('.jp-CostWidget-status-age')!;
    expect(age.textContent).toBe('stale');
    clock += 6 * 60 * 1000; // the last good snapshot ages while fetches fail
    await rendered(item);
    expect(age.textContent).toBe('as of 6 min ago');
    expect(item.node.title).toContain('AWS down');
    item.dispose();
    model.dispose();
  });

  it('says local outside SageMaker and shows what the credentials see', async () => {
    const snap = snapshot();
    snap.context.environment = 'local';
    const model = modelWith([async () => snap]);
    const item = new SpendStatusItem({
      model,
      settings: new MeterSettings(null),
      trans,
      onOpen: () => undefined
    });
    await shown(item);
    await after(item, () => model.update());
    expect(
      item.node.querySelector('.jp-CostWidget-status-text')!.textContent
    ).toMatch(/^local · ≥ \$9\.00\/h/);
    item.dispose();
    model.dispose();
  });

  it('levels follow the thresholds', () => {
    expect(meterLevel(1, 2, 10)).toBe('ok');
    expect(meterLevel(2, 2, 10)).toBe('warn');
    expect(meterLevel(12, 2, 10)).toBe('critical');
    expect(meterLevel(null, 2, 10)).toBe('ok');
  });
});

describe('settings', () => {
  it('reads valid values and defaults invalid ones', () => {
    expect(
      readSettings({
        warnPerHour: 1,
        criticalPerHour: 'x',
        showToday: false,
        currency: { code: 'JPY', rate: 150 },
        pollSeconds: 1
      })
    ).toEqual({
      warnPerHour: 1,
      criticalPerHour: 10,
      showToday: false,
      notifications: true,
      currency: { code: 'JPY', rate: 150 },
      pollSeconds: 30
    });
  });
});

describe('notifications', () => {
  beforeEach(() => {
    window.localStorage.clear();
    Notification.dismiss();
  });

  it('newWarnings drops seen and duplicate keys', () => {
    const seen = new Set(['canvas-running|app:x']);
    const w = (resource_id: string) => ({ ...canvasWarning, resource_id });
    expect(newWarnings([w('app:x'), w('app:y'), w('app:y')], seen)).toEqual([
      w('app:y')
    ]);
  });

  it('toasts once per critical warning across polls and reloads', async () => {
    const snap = snapshot({ warnings: [canvasWarning] });
    const model = modelWith([async () => snap]);
    const settings = new MeterSettings(null);
    let shown = 0;
    new CriticalWarningNotifier({
      model,
      settings,
      trans,
      onShow: () => shown++
    });
    await model.update();
    await model.update();
    expect(Notification.manager.count).toBe(1);
    const toast = Notification.manager.notifications[0];
    expect(toast.message).toBe(canvasWarning.message);
    toast.options.actions![0].callback(new MouseEvent('click'));
    expect(shown).toBe(1);

    // A "reload": a new model and notifier with the same storage.
    const model2 = modelWith([async () => snap]);
    new CriticalWarningNotifier({
      model: model2,
      settings,
      trans,
      onShow: () => undefined
    });
    await model2.update();
    expect(Notification.manager.count).toBe(1);
    expect(new NotifiedStore().keys()).toEqual(
      new Set(['canvas-running|app:d-demo1/bob/Canvas/default'])
    );
    model.dispose();
    model2.dispose();
  });

  it('sums up several warnings in one toast at start, then one per new warning', async () => {
    const w = (resource_id: string, message: string): ISpendWarning => ({
      ...canvasWarning,
      resource_id,
      message
    });
    const first = [
      w('app:a', 'Canvas of alice has been running for 2 d'),
      w('app:b', 'Canvas of bob has been running for 9 d'),
      w('endpoint:c', 'Endpoint c has had no calls for 24 h'),
      w('efs:d', 'EFS d belongs to a deleted domain')
    ];
    const later = w('app:e', 'Canvas of carol has been running for 1 d');
    const model = modelWith([
      async () => snapshot({ warnings: first }),
      async () => snapshot({ warnings: [...first, later] })
    ]);
    new CriticalWarningNotifier({
      model,
      settings: new MeterSettings(null),
      trans,
      onShow: () => undefined
    });
    await model.update();
    expect(Notification.manager.count).toBe(1);
    expect(Notification.manager.notifications[0].message).toBe(
      '4 things are billing that may be forgotten: ' +
        'Canvas of alice has been running for 2 d; ' +
        'Canvas of bob has been running for 9 d; ' +
        'Endpoint c has had no calls for 24 h and 1 more'
    );
    await model.update();
    expect(Notification.manager.count).toBe(2);
    expect(Notification.manager.notifications[0].message).toBe(later.message);
    model.dispose();
  });

  it('does not toast info warnings', async () => {
    const snap = snapshot({
      warnings: [{ ...canvasWarning, code: 'price-unknown', severity: 'info' }]
    });
    const model = modelWith([async () => snap]);
    new CriticalWarningNotifier({
      model,
      settings: new MeterSettings(null),
      trans,
      onShow: () => undefined
    });
    await model.update();
    expect(Notification.manager.count).toBe(0);
    model.dispose();
  });
});
