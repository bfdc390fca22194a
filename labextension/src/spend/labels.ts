/**
 * Plain-language labels and explanations of the spend vocabulary (kinds, scopes, warnings,
 * what a stop does), translated.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import { formatRate, ICurrency } from '../format';
import { ISpendResource, ISpendWarning, ScopeName } from '../types';

export function kindLabel(kind: string, trans: TranslationBundle): string {
  const labels: Record<string, string> = {
    app: trans.__('App'),
    'space-storage': trans.__('Space storage'),
    efs: trans.__('EFS'),
    endpoint: trans.__('Endpoint'),
    'training-job': trans.__('Training job'),
    'training-warm-pool': trans.__('Training warm pool'),
    'processing-job': trans.__('Processing job'),
    'transform-job': trans.__('Transform job'),
    'notebook-instance': trans.__('Notebook instance'),
    'mlflow-tracking-server': trans.__('MLflow tracking server'),
    'hyperpod-cluster': trans.__('HyperPod cluster'),
    'partner-app': trans.__('Partner AI app')
  };
  return labels[kind] ?? kind;
}

export function scopeLabel(scope: ScopeName, trans: TranslationBundle): string {
  return {
    self: trans.__('This app'),
    mine: trans.__('Mine'),
    domain: trans.__('Domain'),
    region: trans.__('Region'),
    account: trans.__('Account (all regions)')
  }[scope];
}

/** What stopping does to a resource, in plain words (shown in the confirm dialog). */
export function stopEffect(
  resource: ISpendResource,
  trans: TranslationBundle
): string {
  switch (resource.kind) {
    case 'app':
      return trans.__(
        'The app is deleted (DeleteApp). Its space or user profile and saved files stay; running kernels and unsaved work in it are lost.'
      );
    case 'endpoint':
      return trans.__(
        'The endpoint is deleted (DeleteEndpoint). Its model and endpoint configuration stay, so it can be created again; clients calling it get errors.'
      );
    case 'notebook-instance':
      return trans.__(
        'The notebook instance is stopped (StopNotebookInstance). Its volume stays (and keeps billing for storage); it can be started again.'
      );
    case 'training-job':
      return trans.__(
        'The training job is stopped (StopTrainingJob). Checkpoints already written stay; the job cannot be resumed.'
      );
    case 'training-warm-pool':
      return trans.__(
        'The warm pool is released (UpdateTrainingJob with KeepAlivePeriodInSeconds 0). The finished job and its results stay; the next job starts on new instances.'
      );
    case 'processing-job':
      return trans.__(
        'The processing job is stopped (StopProcessingJob); it cannot be resumed.'
      );
    case 'transform-job':
      return trans.__(
        'The batch transform job is stopped (StopTransformJob); it cannot be resumed.'
      );
    case 'mlflow-tracking-server':
      return trans.__(
        'The tracking server is stopped (StopMlflowTrackingServer). Its experiments, runs and artifacts stay; it can be started again.'
      );
    case 'hyperpod-cluster':
      return trans.__(
        'The HyperPod cluster is DELETED (DeleteCluster): every instance of every instance group is terminated, with its local storage, and running jobs are lost. Data on shared file systems and S3 stays. This cannot be undone.'
      );
    case 'partner-app':
      return trans.__(
        'The partner app is deleted (DeletePartnerApp), with its configuration; users lose access to it.'
      );
    default:
      return trans.__('This resource cannot be stopped from here.');
  }
}

/** A plain-language explanation of a warning code, with the resource's rate when known. */
export function explainWarning(
  warning: ISpendWarning,
  resource: ISpendResource | undefined,
  currency: ICurrency,
  trans: TranslationBundle
): string {
  const rate = formatRate(resource?.per_hour ?? null, { currency }, trans);
  switch (warning.code) {
    case 'canvas-running':
      return trans.__(
        'Canvas bills %1 until its owner logs out of Canvas or an admin deletes the app. Closing the browser tab does not stop it.',
        rate
      );
    case 'endpoint-idle':
      return trans.__(
        'Nobody called this endpoint recently, but its instances bill %1 whether or not it is used. Delete it if it is no longer needed; its model and configuration stay.',
        rate
      );
    case 'storage-orphaned':
      return trans.__(
        'This file system belonged to a Studio domain that was deleted. It keeps billing for storage until it is deleted; copy anything needed first.'
      );
    case 'long-running':
      if (resource?.kind === 'hyperpod-cluster') {
        return trans.__(
          'A HyperPod cluster bills %1 for every instance of every group until it is deleted, whether or not jobs run.',
          rate
        );
      }
      return trans.__(
        'GPU instances bill %1 while the app runs, even when no code is running. Stop it when you are done.',
        rate
      );
    case 'warm-pool-idle':
      return trans.__(
        'A finished training job kept its instances for reuse; they bill %1 until the keep-alive period ends, whether or not a job reuses them.',
        rate
      );
    case 'other-region':
      return trans.__(
        'Resources in other regions are not in this region\'s totals, nor in the SageMaker console while it shows this region. They count in the scope "Account"; stop them from JupyterLab or the console in their region.'
      );
    case 'price-unknown':
      return trans.__(
        'No price is known for this resource, so totals that include it are lower bounds (shown as ≥).'
      );
    case 'tag-missing':
      return trans.__(
        'Cost allocation works only for tagged resources: without these tags its %1 cannot be attributed on the bill.',
        rate
      );
    default:
      return '';
  }
}
