/** The idle auto-stop front-end: status bar item, warning toasts, activity and save handshake. */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { STATUS_RANK } from '../tokens';
import { trackUserActivity } from './activity';
import { openAutoStopDialog } from './dialog';
import { IdleModel } from './model';
import { AutoStopNotifier } from './notify';
import { saveAllDocuments, unsavedDocuments } from './saver';
import { AutoStopItem } from './statusbar';
import { STOP_WHEN_DONE_COMMAND, toggleStopWhenDone } from './when-done';

export const IDLE_PLUGIN_ID = 'jupyter-costwidget:autostop';
export const CommandIDs = { open: 'costwidget:autostop-settings' };

export const idlePlugin: JupyterFrontEndPlugin<void> = {
  id: IDLE_PLUGIN_ID,
  description:
    'Idle auto-stop: status, warnings, keep-alive and saving before a stop.',
  autoStart: true,
  optional: [IStatusBar, ITranslator, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_costwidget');
    const model = new IdleModel({
      saveAll: () => saveAllDocuments(app),
      listUnsaved: () => unsavedDocuments(app)
    });
    new AutoStopNotifier(model, trans);
    trackUserActivity(model);
    window.addEventListener('pagehide', () => model.unregister());
    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Auto-stop Settings…'),
      execute: () => openAutoStopDialog(model, trans)
    });
    app.commands.addCommand(STOP_WHEN_DONE_COMMAND, {
      label: () =>
        model.status?.stop_when_done.armed
          ? trans.__('Cancel "Stop When Done"')
          : trans.__('Stop This App When the Work Is Done…'),
      execute: () => toggleStopWhenDone(model, trans)
    });
    model.changed.connect(() =>
      app.commands.notifyCommandChanged(STOP_WHEN_DONE_COMMAND)
    );
    if (palette) {
      const category = trans.__('SageMaker');
      palette.addItem({ command: CommandIDs.open, category });
      palette.addItem({ command: STOP_WHEN_DONE_COMMAND, category });
    }
    if (statusBar) {
      const item = new AutoStopItem({
        model,
        trans,
        onClick: () => void app.commands.execute(CommandIDs.open)
      });
      statusBar.registerStatusItem(IDLE_PLUGIN_ID, {
        item,
        align: 'left',
        rank: STATUS_RANK.autoStop
      });
    }
  }
};
