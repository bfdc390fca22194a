/**
 * "Stop when done": arm a one-shot stop of this app for when the running work (busy kernels,
 * terminal programs, CPU/GPU) is finished. It lives in the server, so it works with the
 * browser closed; arming says what that means for notebook outputs.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { IdleModel } from './model';

export const STOP_WHEN_DONE_COMMAND = 'costwidget:stop-when-done';

/** What arming means, in the dialog and the docs' words. */
export function whenDoneExplanation(trans: TranslationBundle): string[] {
  return [
    trans.__(
      'This app stops once the work running now is finished: no busy kernel, no program running in a terminal, no CPU or GPU work. A short warning with "Keep running" comes first, and open documents are saved.'
    ),
    trans.__(
      'It works with the browser closed. But JupyterLab writes cell outputs from the browser: outputs of cells that finish while no tab is open never reach the notebook file. Write results to files from your code.'
    )
  ];
}

/** Arm after the user confirms, or cancel when armed. */
export async function toggleStopWhenDone(
  model: IdleModel,
  trans: TranslationBundle
): Promise<void> {
  if (model.status?.stop_when_done.armed) {
    await model.setStopWhenDone(false);
    return;
  }
  const result = await showDialog({
    title: trans.__('Stop this app when the work is done?'),
    body: whenDoneExplanation(trans).join('\n\n'),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Stop when done') })
    ]
  });
  if (result.button.accept) {
    await model.setStopWhenDone(true);
  }
}
