import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';

import { MeterSettings } from '../settings';
import { explainWarning } from '../spend/labels';
import { SpendModel } from '../spend/model';
import { PriceMarker, SpendPanel } from '../spend/panel';
import { ISpendResource, ISpendSnapshot } from '../types';
import { resource, snapshot } from './fixtures';
import { after, renderElement, shown } from './render';

const trans = nullTranslator.load('jupyter_costwidget');

const rows = [
  resource({
    id: 'endpoint:churn-xgb',
    name: 'churn-xgb',
    per_hour: 0.6,
    accrued: 40,
    owner: 'alice',
    scopes: ['mine', 'domain', 'region']
  }),
  resource({
    id: 'app:d-demo1/bob/Canvas/default',
    kind: 'app',
    app_type: 'Canvas',
    name: 'default',
    owner: 'bob',
    instance_type: null,
    per_hour: 1.9,
    accrued: 410,
    scopes: ['domain', 'region'],
    warnings: ['canvas-running']
  }),
  resource({
    id: 'efs:fs-1',
    kind: 'efs',
    name: 'fs-1',
    instance_type: null,
    per_hour: null,
    accrued: null,
    price_known: false,
    scopes: ['region'],
    stoppable: false,
    stop_refused_reason:
      'An EFS file system bills until it is deleted together with its data.'
  })
];

async function panelWith(shared: ISpendSnapshot['shared'] = null) {
  const model = new SpendModel({
    autoStart: false,
    fetchSpend: async () =>
      snapshot({
        shared,
        resources: rows,
        warnings: [
          {
            code: 'canvas-running',
            severity: 'critical',
            message: 'Canvas of bob is running',
            resource_id: 'app:d-demo1/bob/Canvas/default'
          }
        ],
        errors: [
          {
            source: 'sagemaker.ListEndpoints',
            code: 'AccessDeniedException',
            message: 'denied',
            hint: 'Grant the IAM action sagemaker:ListEndpoints to this app.'
          }
        ]
      })
  });
  const panel = new SpendPanel({
    model,
    settings: new MeterSettings(null),
    trans
  });
  await shown(panel);
  await after(panel, () => model.update());
  return { model, panel };
}

const ids = (panel: SpendPanel) =>
  Array.from(panel.node.querySelectorAll('tbody tr[data-resource-id]')).map(
    tr => tr.getAttribute('data-resource-id')
  );

describe('SpendPanel', () => {
  it('says where a reader of the shared snapshot gets its data', async () => {
    const url = 's3://team-costs/costwidget';
    let { model, panel } = await panelWith({
      url,
      period_seconds: 60,
      scanning_itself: false
    });
    const line = () =>
      panel.node.querySelector('.jp-CostWidget-shared')?.textContent;
    expect(line()).toBe(
      'From the shared snapshot s3://team-costs/costwidget, written every 1 min.'
    );
    panel.dispose();
    model.dispose();
    ({ model, panel } = await panelWith({
      url,
      period_seconds: 60,
      scanning_itself: true
    }));
    expect(line()).toBe(
      'The shared snapshot (s3://team-costs/costwidget) is stale: this server scans the account itself until it is fresh again.'
    );
    panel.dispose();
    model.dispose();
    ({ model, panel } = await panelWith());
    expect(line()).toBeUndefined();
    panel.dispose();
    model.dispose();
  });

  it('lists resources by rate, unknown last, with stop buttons except storage', async () => {
    const { model, panel } = await panelWith();
    expect(ids(panel)).toEqual([
      'app:d-demo1/bob/Canvas/default',
      'endpoint:churn-xgb',
      'efs:fs-1'
    ]);
    const stops = Array.from(
      panel.node.querySelectorAll('button.jp-CostWidget-stop')
    );
    expect(stops.map(b => b.getAttribute('data-resource-id'))).toEqual([
      'app:d-demo1/bob/Canvas/default',
      'endpoint:churn-xgb'
    ]);
    const efsRow = panel.node.querySelector('tr[data-resource-id="efs:fs-1"]')!;
    expect(
      efsRow
        .querySelector('.jp-CostWidget-not-stoppable')
        ?.getAttribute('title')
    ).toBe(
      'An EFS file system bills until it is deleted together with its data.'
    );
    expect(efsRow.textContent).toContain('?/h');
    expect(efsRow.textContent).not.toContain('$0.00');
    panel.dispose();
    model.dispose();
  });

  it('sorts by a clicked column and filters by scope and text', async () => {
    const { model, panel } = await panelWith();
    const nameHeader = panel.node.querySelector(
      'th[data-sort="name"]'
    ) as HTMLElement;
    await after(panel, () => nameHeader.click());
    expect(ids(panel)).toEqual([
      'endpoint:churn-xgb',
      'app:d-demo1/bob/Canvas/default',
      'efs:fs-1'
    ]);
    await after(panel, () =>
      (panel.node.querySelector('th[data-sort="name"]') as HTMLElement).click()
    );
    expect(ids(panel)[0]).toBe('efs:fs-1');

    const scope = panel.node.querySelector('select') as HTMLSelectElement;
    await after(panel, () => {
      scope.value = 'mine';
      scope.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(ids(panel)).toEqual(['endpoint:churn-xgb']);
    await after(panel, () => {
      scope.value = 'all';
      scope.dispatchEvent(new Event('change', { bubbles: true }));
    });
    const filter = panel.node.querySelector(
      'input.jp-CostWidget-filter'
    ) as HTMLInputElement;
    await after(panel, () => {
      filter.value = 'bob';
      filter.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(ids(panel)).toEqual(['app:d-demo1/bob/Canvas/default']);
    panel.dispose();
    model.dispose();
  });

  it('shows totals, errors with hints, explained warnings and charts', async () => {
    const { model, panel } = await panelWith();
    const text = panel.node.textContent!;
    expect(
      panel.node.querySelector('tr[data-scope="mine"]')!.textContent
    ).toContain('$3.10/h');
    expect(
      panel.node.querySelector('tr[data-scope="region"]')!.textContent
    ).toContain('≥ $9.00/h');
    expect(
      panel.node.querySelector('.jp-CostWidget-error')!.textContent
    ).toContain('sagemaker.ListEndpoints');
    expect(
      panel.node.querySelector('.jp-CostWidget-hint')!.textContent
    ).toContain('sagemaker:ListEndpoints');
    expect(text).toContain('Canvas bills $1.90/h until its owner logs out');
    expect(panel.node.querySelectorAll('svg.jp-CostWidget-chart')).toHaveLength(
      2
    );
    panel.dispose();
    model.dispose();
  });

  it('explains warnings in the display currency', () => {
    const text = explainWarning(
      {
        code: 'endpoint-idle',
        severity: 'warning',
        message: '',
        resource_id: 'endpoint:churn-xgb'
      },
      rows[0],
      { code: 'JPY', rate: 150 },
      trans
    );
    expect(text).toContain('≈¥90/h');
  });
});

const marker = (r: ISpendResource, t = trans) =>
  renderElement(
    <span>
      <PriceMarker resource={r} trans={t} />
    </span>
  ).then(span => span.firstElementChild);

describe('PriceMarker', () => {
  const trans = nullTranslator.load('jupyter-costwidget');
  const row = resource({
    id: 'notebook-instance:nb',
    kind: 'notebook-instance',
    name: 'nb',
    per_hour: 0.065,
    accrued: 1,
    scopes: []
  });
  it('marks a derived price with its rule', async () => {
    const rule =
      'Derived: AWS prices compute the same for notebook instances, Studio Classic, Studio JupyterLab and Code Editor.';
    const mark = await marker(
      { ...row, price_source: 'derived', notes: ['x', rule] },
      trans
    );
    expect(mark?.textContent).toBe('d');
    expect(mark?.getAttribute('title')).toBe(rule);
  });
  it('marks an estimate and leaves a list price plain', async () => {
    const mark = await marker(
      { ...row, price_estimate: true, notes: ['estimated at Hosting'] },
      trans
    );
    expect(mark?.textContent).toBe('≈');
    expect(mark?.getAttribute('title')).toBe('estimated at Hosting');
    expect(await marker({ ...row, price_source: 'list' }, trans)).toBeNull();
  });
});
