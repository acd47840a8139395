// The TUI rendered by ink-testing-library for a host, as run-tui renders it (monochrome).
import { render } from 'ink-testing-library';
import { App } from '../../../components/App.js';
import { themeFor } from '../../../components/theme.js';
import { AppStoreContext } from '../../../components/use-app-store.js';
import type { Host } from '../../../src/engine/host.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../src/engine/flows/journal.js';
import { createAppStore } from '../../../src/store/app-store.js';

export interface RenderOptions {
  /** Where flows are journaled; by default a fresh directory, so no other test's flows show up. */
  journal?: Journal;
  /** The terminal's size (default 100 columns, as ink-testing-library has, and 60 rows). */
  columns?: number;
  rows?: number;
}

export function renderApp(host: Host, options: RenderOptions = {}) {
  const journal = options.journal ?? new Journal(mkdtempSync(join(tmpdir(), 'vs-tui-journal-')));
  const store = createAppStore(host, { journal });
  const app = render(
    <AppStoreContext.Provider value={store}>
      <App theme={themeFor({ NO_COLOR: '1' })} log={host.runner.log} />
    </AppStoreContext.Provider>,
  );
  // ink-testing-library's stdout is 100 columns and has no rows: give it a tall screen.
  Object.defineProperty(app.stdout, 'rows', { value: options.rows ?? 60, configurable: true });
  if (options.columns !== undefined) Object.defineProperty(app.stdout, 'columns', { value: options.columns, configurable: true });
  app.stdout.emit('resize');
  return { app, store, journal };
}
