import { setupWorker } from 'msw/browser';
import { handlers } from './handlers';
import { MOCK_SCENARIOS, resetMockDb, type MockScenario } from './db';

const STORAGE_KEY = 'sso-mock-scenario';

/**
 * Starts msw in the browser for `npm run dev:mock`: every API call, including
 * the cross-origin ones to the identity app, is answered by the handlers.
 * `?mock=expired` (etc.) picks a scenario for this tab.
 */
export async function startMockWorker(): Promise<MockScenario> {
  const requested = new URLSearchParams(window.location.search).get('mock');
  if (requested && (MOCK_SCENARIOS as readonly string[]).includes(requested)) sessionStorage.setItem(STORAGE_KEY, requested);
  const scenario = (sessionStorage.getItem(STORAGE_KEY) as MockScenario | null) ?? 'default';
  resetMockDb(scenario);
  await setupWorker(...handlers).start({ onUnhandledRequest: 'bypass', quiet: true });
  return scenario;
}
