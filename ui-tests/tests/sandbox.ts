/**
 * The AWS sandbox as the browser tests see it: its URL (start-servers.sh starts it with the
 * demo scenario), the demo scenario itself, and its control API.
 */
import { expect } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

export const SANDBOX_URL =
  process.env.SANDBOX_URL ??
  `http://127.0.0.1:${process.env.UI_SANDBOX_PORT || '5123'}`;

export const DEMO = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../jupyter_costwidget/sandbox/scenarios/demo.json'
    ),
    'utf-8'
  )
);

/** Where the specs write the screenshots the README shows. */
export const SCREENSHOTS = path.resolve(__dirname, '../screenshots');

/** Count of every AWS call the sandbox received, keyed "<service>.<Operation>". */
export async function sandboxCalls(
  request: APIRequestContext
): Promise<Record<string, number>> {
  const response = await request.get(`${SANDBOX_URL}/_sandbox/calls`);
  expect(response.ok()).toBe(true);
  return response.json();
}

/** Load the demo scenario again (a test may have stopped or deleted its resources). */
export async function loadDemo(request: APIRequestContext): Promise<void> {
  const loaded = await request.post(`${SANDBOX_URL}/_sandbox/scenario`, {
    data: DEMO
  });
  expect(loaded.ok()).toBe(true);
}

/** Clear every injected fault. */
export async function clearFaults(request: APIRequestContext): Promise<void> {
  expect((await request.delete(`${SANDBOX_URL}/_sandbox/faults`)).ok()).toBe(
    true
  );
}
