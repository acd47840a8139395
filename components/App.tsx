import { Box, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';
import type { CommandLog } from '../src/engine/virsh/command-log.js';
import { CommandLogPane } from './CommandLogPane.js';
import { DomainList } from './DomainList.js';
import { HelpOverlay } from './HelpOverlay.js';
import { keyName } from './key-name.js';
import { findBinding, type ActionId } from './keymap.js';
import { SnapshotTree } from './SnapshotTree.js';
import { StatusBar } from './StatusBar.js';
import type { Theme } from './theme.js';
import { useAppStore, useAppStoreApi } from './use-app-store.js';
import { useTerminalSize } from './use-terminal-size.js';

const NARROW = 90;

export function App({ theme, log }: { theme: Theme; log: CommandLog }) {
  const store = useAppStoreApi();
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const helpOpen = useAppStore((s) => s.helpOpen);
  const logOpen = useAppStore((s) => s.logOpen);
  const busy = useAppStore((s) => s.busy);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    void store.getState().refresh();
  }, [store]);

  // One timer drives the spinner and clears expired messages; it runs only while useful.
  const message = useAppStore((s) => s.message);
  useEffect(() => {
    if (!busy && !message) return;
    const timer = setInterval(() => {
      setTick((t) => t + 1);
      store.getState().clearExpiredMessage(Date.now());
    }, 120);
    return () => clearInterval(timer);
  }, [busy, message, store]);

  useInput((input, key) => {
    const name = keyName(input, key);
    const state = store.getState();
    if (state.helpOpen && name === 'escape') return state.toggleHelp();
    const binding = findBinding(name);
    if (!binding) return;
    if (binding.disabledReason?.(state)) return;
    const actions: Record<ActionId, () => void> = {
      up: () => state.moveSelection(-1),
      down: () => state.moveSelection(1),
      top: () => state.moveSelection(-1e9),
      bottom: () => state.moveSelection(1e9),
      focus: () => state.toggleFocus(),
      refresh: () => void state.refresh(),
      help: () => state.toggleHelp(),
      log: () => state.toggleLog(),
      quit: () => exit(),
    };
    actions[binding.action]();
  });

  const narrow = columns < NARROW;
  const logHeight = logOpen ? Math.min(8, Math.max(3, Math.floor(rows / 4))) : 0;
  const bodyHeight = Math.max(3, rows - 3 - (logOpen ? logHeight + 2 : 0));
  const treeHeight = narrow ? Math.max(1, Math.floor(bodyHeight / 2) - 3) : bodyHeight - 3;
  return (
    <Box flexDirection="column" width={columns}>
      {helpOpen ? (
        <HelpOverlay theme={theme} />
      ) : (
        <Box flexDirection={narrow ? 'column' : 'row'} height={bodyHeight}>
          <DomainList theme={theme} width={narrow ? columns : Math.min(40, Math.floor(columns / 3))} />
          <SnapshotTree theme={theme} height={treeHeight} />
        </Box>
      )}
      {logOpen && <CommandLogPane log={log} theme={theme} height={logHeight} />}
      <StatusBar theme={theme} tick={tick} />
    </Box>
  );
}
