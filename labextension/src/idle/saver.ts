/**
 * Save every open document with unsaved changes before an auto-stop.
 *
 * Each document widget's context saves through the contents API, like Ctrl+S; a failure
 * (read-only file, disk full, conflict) is returned so the server cancels the stop.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Widget } from '@lumino/widgets';

/** The part of a DocumentWidget's context that saving needs. */
interface ISavableContext {
  path: string;
  model: { dirty: boolean; readOnly?: boolean };
  save(): Promise<void>;
}

function contextOf(widget: Widget): ISavableContext | null {
  const context = (widget as unknown as { context?: ISavableContext }).context;
  return context && typeof context.save === 'function' && context.model
    ? context
    : null;
}

/** The dirty documents shown in `app`'s shell, one per path however many views. */
function dirtyContexts(app: JupyterFrontEnd): Map<string, ISavableContext> {
  const contexts = new Map<string, ISavableContext>();
  for (const widget of app.shell.widgets()) {
    const context = contextOf(widget);
    if (context && context.model.dirty) {
      contexts.set(context.path, context);
    }
  }
  return contexts;
}

/** Paths of the documents with unsaved changes in `app`'s shell, sorted. */
export function unsavedDocuments(app: JupyterFrontEnd): string[] {
  return [...dirtyContexts(app).keys()].sort();
}

/** Save all dirty documents shown in `app`'s shell; resolves to errors (empty: all saved). */
export async function saveAllDocuments(
  app: JupyterFrontEnd
): Promise<string[]> {
  const contexts = dirtyContexts(app);
  const errors: string[] = [];
  await Promise.all(
    [...contexts.values()].map(async context => {
      try {
        await context.save();
        if (context.model.dirty) {
          errors.push(`${context.path}: still has unsaved changes`);
        }
      } catch (reason) {
        const message =
          reason instanceof Error ? reason.message : String(reason);
        errors.push(`${context.path}: ${message}`);
      }
    })
  );
  return errors;
}
