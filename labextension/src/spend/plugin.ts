/**
 * The spend plugin: one model, the status bar meter, the panel, notifications and commands.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { SpendModel, spendFetcher } from './model';
import { CriticalWarningNotifier } from './notify';
import { SpendPanel } from './panel';
import { loadSettings, MeterSettings } from '../settings';
import { SpendStatusItem } from './statusbar';
import { CommandIDs, ISpendModel, STATUS_RANK } from '../tokens';

export const SPEND_PLUGIN_ID = 'jupyter-costwidget:plugin';

export const spendPlugin: JupyterFrontEndPlugin<ISpendModel> = {
  id: SPEND_PLUGIN_ID,
  description:
    'Live SageMaker spend: status bar meter, spend panel and warnings.',
  autoStart: true,
  provides: ISpendModel,
  optional: [
    IStatusBar,
    ISettingRegistry,
    ITranslator,
    ICommandPalette,
    ILayoutRestorer
  ],
  activate: async (
    app: JupyterFrontEnd,
    statusBar: IStatusBar | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ): Promise<ISpendModel> => {
    const trans = (translator ?? nullTranslator).load('jupyter_costwidget');
    const language = (translator ?? nullTranslator).languageCode;
    const registrySettings = await loadSettings(
      settingRegistry,
      SPEND_PLUGIN_ID
    );
    const settings = new MeterSettings(registrySettings);
    const model = new SpendModel({
      fetchSpend: spendFetcher(language),
      interval: settings.value.pollSeconds * 1000
    });
    settings.changed.connect(() =>
      model.setInterval(settings.value.pollSeconds * 1000)
    );

    const tracker = new WidgetTracker<SpendPanel>({ namespace: 'costwidget' });
    const openPanel = () => app.commands.execute(CommandIDs.showSpend);

    app.commands.addCommand(CommandIDs.showSpend, {
      label: trans.__('Show SageMaker spend'),
      caption: trans.__('Open the SageMaker spend panel'),
      execute: () => {
        let panel = tracker.currentWidget;
        if (!panel || panel.isDisposed) {
          panel = new SpendPanel({ model, settings, trans });
          void tracker.add(panel);
          app.shell.add(panel, 'main');
        }
        app.shell.activateById(panel.id);
        return panel;
      }
    });
    app.commands.addCommand(CommandIDs.refreshSpend, {
      label: trans.__('Refresh SageMaker spend'),
      execute: () => model.refresh()
    });
    if (palette) {
      const category = trans.__('SageMaker');
      palette.addItem({ command: CommandIDs.showSpend, category });
      palette.addItem({ command: CommandIDs.refreshSpend, category });
    }
    if (restorer) {
      void restorer.restore(tracker, {
        command: CommandIDs.showSpend,
        name: () => 'spend'
      });
    }

    if (statusBar) {
      const item = new SpendStatusItem({
        model,
        settings,
        trans,
        onOpen: () => void openPanel()
      });
      statusBar.registerStatusItem(SPEND_PLUGIN_ID, {
        item,
        align: 'left',
        rank: STATUS_RANK.meter
      });
    }
    new CriticalWarningNotifier({
      model,
      settings,
      trans,
      onShow: () => void openPanel()
    });
    return model;
  }
};
