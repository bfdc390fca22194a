import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CostWidgetRequestError, requestAPI } from './request';

const PLUGIN_ID = 'jupyter-costwidget:plugin';

/** The status bar item: for now, the server extension's version or why it is missing. */
class CostStatusItem extends Widget {
  constructor() {
    super();
    this.addClass('jp-CostWidget-status');
    this.node.textContent = '…';
  }

  setText(text: string, title: string, missing = false): void {
    this.node.textContent = text;
    this.node.title = title;
    this.toggleClass('jp-CostWidget-missing', missing);
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Live SageMaker spend in the status bar.',
  autoStart: true,
  requires: [IStatusBar],
  optional: [ISettingRegistry, ITranslator],
  activate: async (
    app: JupyterFrontEnd,
    statusBar: IStatusBar,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_costwidget');
    const item = new CostStatusItem();
    statusBar.registerStatusItem(PLUGIN_ID, {
      item,
      align: 'left',
      rank: 10
    });
    if (settingRegistry) {
      await settingRegistry.load(plugin.id).catch(reason => {
        console.error('Failed to load settings for jupyter-costwidget.', reason);
      });
    }
    try {
      const data = await requestAPI<{ version: string }>(
        'version',
        {},
        { trackActivity: false }
      );
      item.setText(
        trans.__('costwidget %1', data.version),
        trans.__('jupyter-costwidget server extension %1', data.version)
      );
    } catch (reason) {
      const missing =
        reason instanceof CostWidgetRequestError && reason.status === 404;
      item.setText(
        missing
          ? trans.__('costwidget: server extension missing')
          : trans.__('costwidget: error'),
        missing
          ? trans.__(
              'The jupyter_costwidget server extension is not installed or not enabled. Run: jupyter server extension enable jupyter_costwidget'
            )
          : String(reason),
        true
      );
    }
  }
};

export default plugin;
