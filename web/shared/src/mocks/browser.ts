import { setupWorker } from 'msw/browser';
import { handlers } from './handlers';
import type { MockScenario } from './db';
import { loadMockState, renderMockPanel, saveMockState, syncMockState } from './mock-state';

const isApiCall = (request: Request) => new URL(request.url).pathname.startsWith('/api/');

/**
 * Starts msw in the browser for `npm run dev:mock`: every API call, including
 * the cross-origin ones to the identity app, is answered by the handlers.
 * `?mock=expired` (etc.) starts a scenario; its state is then shared by both
 * apps and kept across reloads (mock-state.ts), and a panel shows it.
 */
export async function startMockWorker(): Promise<MockScenario> {
  const scenario = loadMockState();
  const worker = setupWorker(...handlers);
  // Both run synchronously around each handler: read what the other app wrote, write what this one changed.
  worker.events.on('request:start', ({ request }) => {
    if (isApiCall(request)) syncMockState();
  });
  worker.events.on('request:end', ({ request }) => {
    if (!isApiCall(request)) return;
    saveMockState();
    renderMockPanel();
  });
  await worker.start({ onUnhandledRequest: 'bypass', quiet: true });
  renderMockPanel();
  return scenario;
}
