// Starts the interactive UI and is the one place it ends: the terminal is restored by
// Ink's unmount whether the user quits, presses Ctrl-C, or something throws.

import { render } from 'ink';
import type { Host } from '../src/engine/host.js';
import { createAppStore } from '../src/store/app-store.js';
import { App } from './App.js';
import { themeFor } from './theme.js';
import { AppStoreContext } from './use-app-store.js';

export async function runTui(host: Host): Promise<void> {
  const store = createAppStore(host);
  const instance = render(
    <AppStoreContext.Provider value={store}>
      <App theme={themeFor(process.env)} log={host.runner.log} />
    </AppStoreContext.Provider>,
    { exitOnCtrlC: true },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
  }
}
