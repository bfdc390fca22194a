/**
 * Real user input in this tab (keys, clicks, scrolling, edits) tells the server the user is
 * there. Listeners are passive and the model throttles reports to one a minute; the
 * extension's own polling never goes through here.
 */
import { IdleModel } from './model';

const EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart', 'input'];

export function trackUserActivity(
  model: IdleModel,
  target: EventTarget = document
): () => void {
  const listener = (event: Event): void => {
    if (event.isTrusted) {
      model.reportActivity();
    }
  };
  for (const name of EVENTS) {
    target.addEventListener(name, listener, { passive: true, capture: true });
  }
  return () => {
    for (const name of EVENTS) {
      target.removeEventListener(name, listener, { capture: true });
    }
  };
}
