// The TUI over several hosts, rendered by ink-testing-library as run-tui renders it
// (monochrome): a hosts file in a private XDG_CONFIG_HOME, a HostPool, one shared command log.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { App } from '../../../components/App.js';
import { themeFor } from '../../../components/theme.js';
import { AppStoreContext } from '../../../components/use-app-store.js';
import { openHost } from '../../../src/engine/connect.js';
import { Journal } from '../../../src/engine/flows/journal.js';
import { HostPool } from '../../../src/engine/host-pool.js';
import { addHost, connectionUri, hostsFilePath, readHostsFile, type HostEntry } from '../../../src/engine/hosts-file.js';
import { CommandLog } from '../../../src/engine/virsh/command-log.js';
import { createHostsStore, type AppStore } from '../../../src/store/app-store.js';

export const cleanups: (() => Promise<void> | void)[] = [];

export async function until(check: () => boolean, what: string, last: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${last()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A hosts file in a private XDG_CONFIG_HOME, read back as the CLI reads it. */
export function hostsFile(hosts: { name: string; uri: string }[]): HostEntry[] {
  const env = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'vs-hosts-config-')) };
  for (const h of hosts) addHost(hostsFilePath(env), { name: h.name, uri: h.uri, identity: null, readonly: false }, env);
  return readHostsFile(hostsFilePath(env), env);
}

export function startHosts(entries: HostEntry[], options: { columns?: number; rows?: number; retryBaseMs?: number } = {}) {
  const log = new CommandLog();
  const pool = new HostPool(entries, { open: (entry) => openHost({ uri: connectionUri(entry), readonly: entry.readonly, log }), retryBaseMs: options.retryBaseMs });
  const journal = new Journal(mkdtempSync(join(tmpdir(), 'vs-tui-journal-')));
  const store: AppStore = createHostsStore(pool, entries, { journal, hostRows: true });
  const app = render(
    <AppStoreContext.Provider value={store}>
      <App theme={themeFor({ NO_COLOR: '1' })} log={log} />
    </AppStoreContext.Provider>,
  );
  Object.defineProperty(app.stdout, 'rows', { value: options.rows ?? 24, configurable: true });
  Object.defineProperty(app.stdout, 'columns', { value: options.columns ?? 80, configurable: true });
  app.stdout.emit('resize');
  cleanups.push(async () => {
    app.unmount();
    await pool.close();
  });
  const frame = () => app.lastFrame() ?? '';
  const wait = (check: () => boolean, what: string, timeoutMs?: number) => until(check, what, frame, timeoutMs);
  const press = async (keys: string, check?: () => boolean, what = keys) => {
    app.stdin.write(keys);
    if (check) await wait(check, what);
  };
  /** Puts the cursor on a host's row. */
  const toHost = async (name: string) => {
    const target = store.getState().hosts.findIndex((h) => h.name === name);
    while (store.getState().hostIndex !== target || !store.getState().onHostRow) {
      const s = store.getState();
      await press(s.hostIndex < target ? 'j' : 'k');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { app, store, pool, log, frame, wait, press, toHost };
}

/** Every frame fits the terminal: no line wider than it, no more lines than its rows. */
export function fits(frame: string, columns = 80, rows = 24): boolean {
  const lines = frame.split('\n');
  return lines.length <= rows && lines.every((l) => [...l].length <= columns);
}

