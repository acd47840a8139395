// Starts the interactive UI and is the one place it ends: the terminal is restored (Ink's
// unmount, then the normal screen again) whether the user quits, presses Ctrl-C, something
// throws, or a signal ends the process.

import { render } from 'ink';
import type { Host } from '../src/engine/host.js';
import { HostPool } from '../src/engine/host-pool.js';
import { openHost } from '../src/engine/connect.js';
import { connectionUri, type HostEntry } from '../src/engine/hosts-file.js';
import type { CommandLog } from '../src/engine/virsh/command-log.js';
import { createAppStore, createHostsStore, type AppStore } from '../src/store/app-store.js';
import { App } from './App.js';
import { themeFor } from './theme.js';
import { AppStoreContext } from './use-app-store.js';
import { enterAlternateScreen } from './alternate-screen.js';

/** The TUI over one host, connected already (no hosts file). */
export async function runTui(host: Host): Promise<void> {
  await runStore(createAppStore(host), host.runner.log);
}

/**
 * The TUI over the hosts of the hosts file (and a -c URI for the session): each connects when it
 * is opened or selected, a few at a time, and every command goes to one shared command log.
 */
export async function runHostsTui(entries: readonly HostEntry[], options: { log: CommandLog; start?: string; mode?: 'session' | 'one-shot' }): Promise<void> {
  const pool = new HostPool(entries, { open: (entry) => openHost({ uri: connectionUri(entry), readonly: entry.readonly, log: options.log, mode: options.mode }) });
  const store = createHostsStore(pool, entries, { hostRows: true, start: options.start });
  try {
    await runStore(store, options.log);
  } finally {
    await pool.close();
  }
}

async function runStore(store: AppStore, log: CommandLog): Promise<void> {
  let unmount = () => {};
  const screen = enterAlternateScreen(process.stdout, () => unmount());
  const instance = render(
    <AppStoreContext.Provider value={store}>
      <App theme={themeFor(process.env)} log={log} />
    </AppStoreContext.Provider>,
    // 60 frames a second: Ink's default 30 holds a frame back up to 33 ms while keys repeat.
    // Incremental rendering rewrites only the lines that changed (less to send over SSH).
    { exitOnCtrlC: true, maxFps: 60, incrementalRendering: true },
  );
  unmount = () => instance.unmount();
  try {
    await instance.waitUntilExit();
  } finally {
    instance.cleanup();
    screen.leave();
    // Block jobs run in libvirtd, not here: say which go on, and that the next start shows them.
    const running = store.getState().stopFollowingJobs();
    if (running.length > 0) {
      process.stdout.write('Block jobs still running in libvirtd (virtsnap shows them again on the next start; `virtsnap jobs --follow` follows them):\n');
      for (const job of running) process.stdout.write(`  ${job.domain} ${job.disk}: ${job.type}, ${job.phase}, ${job.percent.toFixed(1)} %\n`);
    }
  }
}
