import { nullTranslator } from '@jupyterlab/translation';

import { USD } from '../format';
import { explainWarning, kindLabel, stopEffect } from '../spend/labels';
import { resource } from './fixtures';

const trans = nullTranslator.load('jupyter_costwidget');

describe('the hourly services in plain words', () => {
  it('names each kind', () => {
    expect(kindLabel('mlflow-tracking-server', trans)).toBe(
      'MLflow tracking server'
    );
    expect(kindLabel('hyperpod-cluster', trans)).toBe('HyperPod cluster');
    expect(kindLabel('partner-app', trans)).toBe('Partner AI app');
  });

  it('says what deleting a cluster deletes before the confirmation', () => {
    const cluster = resource({ kind: 'hyperpod-cluster', name: 'llm-train' });
    const effect = stopEffect(cluster, trans);
    expect(effect).toContain('DeleteCluster');
    expect(effect).toContain('every instance of every instance group');
    expect(effect).toContain('cannot be undone');
    const server = resource({ kind: 'mlflow-tracking-server' });
    expect(stopEffect(server, trans)).toContain('StopMlflowTrackingServer');
    expect(stopEffect(resource({ kind: 'partner-app' }), trans)).toContain(
      'DeletePartnerApp'
    );
  });

  it('explains a long-running cluster as a cluster, not as a GPU app', () => {
    const cluster = resource({ kind: 'hyperpod-cluster', per_hour: 40.5 });
    const warning = {
      code: 'long-running',
      severity: 'critical' as const,
      message: '',
      resource_id: cluster.id
    };
    const text = explainWarning(warning, cluster, USD, trans);
    expect(text).toContain('every instance of every group');
    expect(text).toContain('$40.50/h');
  });
});
