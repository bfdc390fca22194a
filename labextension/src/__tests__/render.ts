/**
 * Rendering React views in jest: widgets (`VDomRenderer`s) and plain elements, flushed
 * synchronously through React's `act`.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { MessageLoop } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { act } from 'react';
import * as React from 'react';

(
  globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }
).IS_REACT_ACT_ENVIRONMENT = true;

/** Attach a widget to the document and render it. */
export async function shown(widget: Widget): Promise<void> {
  await act(async () => {
    Widget.attach(widget, document.body);
  });
  await rendered(widget);
}

/** Render the widget's pending updates now. */
export async function rendered(widget: Widget): Promise<void> {
  await act(async () => {
    MessageLoop.flush();
    MessageLoop.sendMessage(widget, Widget.Msg.UpdateRequest);
  });
}

/** Run `change` (a model update, a click), then render the widget. */
export async function after(
  widget: Widget,
  change: () => unknown
): Promise<void> {
  await act(async () => {
    await change();
  });
  await rendered(widget);
}

/** A React element rendered into a widget's node (its first child is the element). */
export async function renderElement(
  element: React.ReactElement
): Promise<HTMLElement> {
  const widget = ReactWidget.create(element);
  await shown(widget);
  return widget.node.firstElementChild as HTMLElement;
}
