import { Box, useApp, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CommandLog } from '../src/engine/virsh/command-log.js';
import { CommandLogPane } from './CommandLogPane.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { CreateFormView } from './CreateForm.js';
import { DecisionBox, decisionRows, PromptLine, PROMPT_ROWS } from './PromptLine.js';
import stringWidth from 'string-width';
import type { DomainRow } from '../src/engine/domain-listing.js';
import { JobsPanel } from './JobsPanel.js';
import { MergeWizard } from './MergeWizard.js';
import { CaptureMenu } from './CaptureMenu.js';
import { CaptureFormView } from './CaptureForm.js';
import { CheckpointList } from './CheckpointList.js';
import { StorageQuestion } from './StorageQuestion.js';
import { JournalView } from './JournalView.js';
import { UnfinishedFlows } from './UnfinishedFlows.js';
import { DetailPane } from './DetailPane.js';
import { dispatchKey } from './dispatch.js';
import { DomainList } from './DomainList.js';
import { HostList } from './HostList.js';
import { HelpOverlay } from './HelpOverlay.js';
import { keyName } from './key-name.js';
import { splitChunk } from './key-chunks.js';
import { SnapshotTree } from './SnapshotTree.js';
import { StatusBar } from './StatusBar.js';
import type { Theme } from './theme.js';
import { useAppStore, useAppStoreApi } from './use-app-store.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Below this width panes stack vertically; from WIDE on, details get a column of their own. */
const NARROW = 90;
const AUTO_REFRESH_MS = 15_000;
const WIDE = 140;

/** The domain pane's width, fixed for a terminal size and a domain list so that it never jumps. */
export function domainPaneWidth(columns: number, domains: readonly DomainRow[] | null): number {
  if (columns < NARROW) return columns;
  if (columns < WIDE) return Math.min(36, Math.floor(columns / 3));
  // Wide terminals: as wide as the longest row needs (the border included), up to 30 %.
  const longest = Math.max(0, ...(domains ?? []).map((d) => stringWidth(`> ${d.name} ${d.state.state} (${d.snapshotCount})${d.currentSnapshot ? ` *${d.currentSnapshot}` : ''}`)));
  return Math.max(36, Math.min(longest + 2, Math.floor(columns * 0.3)));
}

function LeftPane(props: { theme: Theme; width: number; height: number }) {
  const hostRows = useAppStore((s) => s.hostRows);
  return hostRows ? <HostList {...props} /> : <DomainList {...props} />;
}

export function App({ theme, log }: { theme: Theme; log: CommandLog }) {
  const store = useAppStoreApi();
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const helpOpen = useAppStore((s) => s.helpOpen);
  const logOpen = useAppStore((s) => s.logOpen);
  const busy = useAppStore((s) => s.busy);
  const message = useAppStore((s) => s.message);
  const confirm = useAppStore((s) => s.confirm);
  const merge = useAppStore((s) => s.merge);
  const captureMenu = useAppStore((s) => s.captureMenu);
  const captureForm = useAppStore((s) => s.captureForm);
  const checkpointView = useAppStore((s) => s.checkpointView);
  const captureStorage = useAppStore((s) => s.captureStorage);
  const create = useAppStore((s) => s.create);
  const unfinished = useAppStore((s) => s.unfinished);
  const journalView = useAppStore((s) => s.journalView);
  const prompt = useAppStore((s) => s.prompt);
  const decision = useAppStore((s) => s.decision);
  const editorOpen = useAppStore((s) => s.editorOpen);
  const jobsOpen = useAppStore((s) => s.jobsOpen);
  const jobCount = useAppStore((s) => Object.keys(s.jobs).length);
  const zoomed = useAppStore((s) => s.zoomed);
  const domains = useAppStore((s) => s.domains);
  const { setRawMode } = useStdin();
  const { stdout } = useStdout();
  // Ink 6 cannot suspend itself: draw nothing (the store's editorOpen), let the frame clear,
  // and release stdin (raw mode off takes Ink's reader away); afterwards take it back and
  // repaint from a cleared screen.
  const handoff = useMemo(
    () => ({
      suspend: async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        setRawMode(false);
        stdout.write('\u001b[?25h');
      },
      resume: () => {
        setRawMode(true);
        // back on the alternate screen (an editor may have left it), cleared, cursor hidden
        stdout.write('\u001b[?1049h\u001b[2J\u001b[H\u001b[?25l');
      },
    }),
    [setRawMode, stdout],
  );
  const [tick, setTick] = useState(0);

  useEffect(() => {
    void store.getState().refresh();
    // Flows that stopped part-way on this host are shown before anything else.
    store.getState().checkUnfinished();
  }, [store]);

  // One timer drives the spinner and clears expired messages; it runs only while useful.
  useEffect(() => {
    if ((!busy && !message) || editorOpen) return;
    const timer = setInterval(() => {
      setTick((t) => t + 1);
      store.getState().clearExpiredMessage(Date.now());
    }, 120);
    return () => clearInterval(timer);
  }, [busy, message, editorOpen, store]);

  // Background refresh; it waits while the operator is typing or deciding, and backs off on errors.
  useEffect(() => {
    const timer = setInterval(() => {
      const state = store.getState();
      if (state.inputMode === 'normal' && !state.confirm && !state.merge && !state.create && !state.helpOpen && !state.editorOpen) void state.refresh({ background: true });
    }, AUTO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [store]);

  // The bytes of the key being handled: Ink's flags do not tell Backspace from Delete. This
  // listener is added before useInput's, so it sees each chunk first.
  const { internal_eventEmitter: inputEvents } = useStdin() as ReturnType<typeof useStdin> & { internal_eventEmitter?: NodeJS.EventEmitter };
  const raw = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!inputEvents) return;
    const remember = (data: string | Buffer) => {
      raw.current = String(data);
    };
    inputEvents.prependListener('input', remember);
    return () => void inputEvents.removeListener('input', remember);
  }, [inputEvents]);

  useInput((input, key) => {
    const context = () => ({ state: store.getState(), quit: exit, handoff });
    const pieces = key.ctrl || key.meta ? null : splitChunk(input);
    if (!pieces) return void dispatchKey(keyName(input, key, raw.current), input, context());
    for (const piece of pieces) {
      if (piece.kind === 'key') dispatchKey(piece.name, '', context());
      // In a text field a run is typed as is; elsewhere each character is a key of its own.
      else if (store.getState().inputMode !== 'normal') dispatchKey(piece.text, piece.text, context());
      else for (const ch of piece.text) dispatchKey(ch, ch, context());
    }
  });

  const statusRows = message ? 2 : 1;
  const logRows = logOpen ? Math.min(8, Math.max(3, Math.floor(rows / 4))) : 0;
  // Rows the prompt or the edit question take below the panes.
  const overlayRows = prompt ? PROMPT_ROWS : decision ? decisionRows(decision, columns, rows) : 0;
  const jobRows = jobsOpen ? Math.min(10, 4 + jobCount * 2) : 0;
  const body = Math.max(6, rows - statusRows - overlayRows - jobRows - (logOpen ? logRows + 2 : 0));
  const left = domainPaneWidth(columns, domains);
  let panes: React.ReactNode;
  if (zoomed) {
    panes = <DetailPane theme={theme} height={body} width={columns} />;
  } else if (columns < NARROW) {
    const domainsHeight = Math.max(4, Math.floor(body * 0.3));
    const treeHeight = Math.max(4, Math.floor(body * 0.4));
    panes = (
      <Box flexDirection="column">
        <LeftPane theme={theme} width={columns} height={domainsHeight} />
        <SnapshotTree theme={theme} width={columns} height={treeHeight} />
        <DetailPane theme={theme} width={columns} height={Math.max(3, body - domainsHeight - treeHeight)} />
      </Box>
    );
  } else if (columns < WIDE) {
    const treeHeight = Math.max(4, Math.floor(body * 0.55));
    panes = (
      <Box flexDirection="row" height={body}>
        <LeftPane theme={theme} width={left} height={body} />
        <Box flexDirection="column" width={columns - left} flexShrink={0}>
          <SnapshotTree theme={theme} width={columns - left} height={treeHeight} />
          <DetailPane theme={theme} width={columns - left} height={body - treeHeight} />
        </Box>
      </Box>
    );
  } else {
    const tree = Math.floor((columns - left) / 2);
    panes = (
      <Box flexDirection="row" height={body}>
        <LeftPane theme={theme} width={left} height={body} />
        <SnapshotTree theme={theme} width={tree} height={body} />
        <DetailPane theme={theme} width={columns - left - tree} height={body} />
      </Box>
    );
  }
  if (editorOpen) return null;
  return (
    <Box flexDirection="column" width={columns}>
      {unfinished ? (
        <UnfinishedFlows dialog={unfinished} theme={theme} height={body} width={columns} />
      ) : create ? (
        <CreateFormView dialog={create} theme={theme} height={body} width={columns} />
      ) : merge ? (
        <MergeWizard wizard={merge} theme={theme} height={body} width={columns} />
      ) : captureStorage ? (
        <StorageQuestion question={captureStorage} theme={theme} height={body} width={columns} />
      ) : confirm ? (
        <ConfirmDialog dialog={confirm} theme={theme} height={body} width={columns} />
      ) : captureMenu ? (
        <CaptureMenu menu={captureMenu} theme={theme} height={body} width={columns} />
      ) : captureForm ? (
        <CaptureFormView form={captureForm} theme={theme} height={body} width={columns} />
      ) : checkpointView ? (
        <CheckpointList view={checkpointView} theme={theme} height={body} width={columns} />
      ) : journalView ? (
        <JournalView view={journalView} theme={theme} height={body} width={columns} />
      ) : helpOpen ? (
        <HelpOverlay theme={theme} height={body} width={columns} />
      ) : (
        panes
      )}
      {jobsOpen && <JobsPanel theme={theme} height={jobRows} />}
      {prompt && <PromptLine prompt={prompt} theme={theme} />}
      {decision && <DecisionBox decision={decision} theme={theme} />}
      {logOpen && <CommandLogPane log={log} theme={theme} height={logRows} />}
      <StatusBar theme={theme} tick={tick} />
    </Box>
  );
}
