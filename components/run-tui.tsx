// Starts the interactive UI and is the one place it ends: the terminal is restored (Ink's
// unmount, then the normal screen again) whether the user quits, presses Ctrl-C, something
// throws, or a signal ends the process.

import { render } from 'ink';
import type { Host } from '../src/engine/host.js';
import { createAppStore } from '../src/store/app-store.js';
import { App } from './App.js';
import { themeFor } from './theme.js';
import { AppStoreContext } from './use-app-store.js';
import { enterAlternateScreen } from './alternate-screen.js';

export async function runTui(host: Host): Promise<void> {
  const store = createAppStore(host);
  let unmount = () => {};
  const screen = enterAlternateScreen(process.stdout, () => unmount());
  const instance = render(
    <AppStoreContext.Provider value={store}>
      <App theme={themeFor(process.env)} log={host.runner.log} />
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
