// The TUI rendered by ink-testing-library for a host, as run-tui renders it (monochrome).
import { render } from 'ink-testing-library';
import { App } from '../../../components/App.js';
import { themeFor } from '../../../components/theme.js';
import { AppStoreContext } from '../../../components/use-app-store.js';
import type { Host } from '../../../src/engine/host.js';
import { createAppStore } from '../../../src/store/app-store.js';

export function renderApp(host: Host) {
  const store = createAppStore(host);
  const app = render(
    <AppStoreContext.Provider value={store}>
      <App theme={themeFor({ NO_COLOR: '1' })} log={host.runner.log} />
    </AppStoreContext.Provider>,
  );
  // ink-testing-library's stdout is 100 columns and has no rows: give it a tall screen.
  Object.defineProperty(app.stdout, 'rows', { value: 60, configurable: true });
  app.stdout.emit('resize');
  return { app, store };
}
