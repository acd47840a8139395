import { Box, measureElement, Text, type DOMElement } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { selectedDomain, selectedForest, snapshotKey, visibleTreeLines } from '../src/store/app-store.js';
import { DisksView } from './DisksView.js';
import { SnapshotDetails } from './SnapshotDetails.js';
import type { Theme } from './theme.js';
import { useAppStore, useAppStoreApi } from './use-app-store.js';
import { XmlView } from './XmlView.js';
import { wrapLine } from './wrap-lines.js';
import { KEYMAP } from './keymap.js';
import { hostDetailLines } from './HostList.js';

const ZOOM_KEY = KEYMAP.find((b) => b.action === 'zoom')?.keys[0] ?? '?';

export function DetailPane({ theme, height, width }: { theme: Theme; height: number; width: number }) {
  const store = useAppStoreApi();
  const onLayout = useCallback((max: number) => store.getState().detailLayout(max), [store]);
  const view = useAppStore((s) => s.view);
  const domain = useAppStore(selectedDomain);
  const forest = useAppStore(selectedForest);
  const collapsed = useAppStore((s) => s.collapsed);
  const index = useAppStore((s) => s.snapshotIndex);
  const xmlScroll = useAppStore((s) => s.xmlScroll);
  const wrap = useAppStore((s) => s.wrapXml);
  const zoomed = useAppStore((s) => s.zoomed);
  const focused = useAppStore((s) => s.focus === 'details');
  const refreshError = useAppStore((s) => s.refreshError);
  const hostRow = useAppStore((s) => (s.onHostRow ? s.hosts[s.hostIndex] : undefined));
  const lines = useMemo(() => (forest ? visibleTreeLines(forest, collapsed) : []), [forest, collapsed]);
  const node = lines[index]?.node ?? null;
  const loaded = useAppStore((s) => (domain && node ? s.snapshots[snapshotKey(domain.name, node.name)] : undefined));
  const disks = useAppStore((s) => (domain ? s.diskReports[domain.name] : undefined));
  const title = view === 'disks' ? `disks of ${domain?.name ?? '—'}` : view === 'xml' ? `XML of ${node?.name ?? '—'}` : 'details';
  const inner = Math.max(1, height - 3);
  const innerWidth = Math.max(10, width - 2);

  let body: React.ReactNode;
  // Other views scroll by moving their content up inside the pane.
  let scrolls = true;
  if (hostRow) {
    body = (
      <Box flexDirection="column">
        {hostDetailLines(hostRow, refreshError, Date.now()).flatMap((line, i) =>
          wrapLine(line.text, innerWidth).map((part, j) => (
            <Text key={`${i}.${j}`} color={line.error ? theme.error : undefined}>
              {part}
            </Text>
          )),
        )}
      </Box>
    );
  } else if (refreshError && !domain) {
    body = (
      <Box flexDirection="column">
        {wrapLine(`The host could not be read: ${refreshError}`, innerWidth).map((line, i) => (
          <Text key={i} color={theme.error}>
            {line}
          </Text>
        ))}
        <Text color={theme.muted}>r tries again</Text>
      </Box>
    );
  } else if (view === 'disks') {
    if (!disks || disks.status === 'loading') body = <Text color={theme.muted}>reading disks…</Text>;
    else if (disks.status === 'error') body = <Text color={theme.error}>{disks.message}</Text>;
    else body = <DisksView reports={disks.value} theme={theme} />;
  } else if (!node) {
    const forestEmpty = domain && forest && forest.count === 0;
    body = <Text color={theme.muted}>{forestEmpty ? `${domain.name} has no snapshots (c creates one)` : domain ? 'no snapshot selected' : 'no domain selected'}</Text>;
  } else if (loaded?.status === 'error') {
    body = <Text color={theme.error}>{loaded.message}</Text>;
  } else if (view === 'xml') {
    scrolls = false;
    body =
      loaded?.status === 'ready' ? (
        <XmlView xml={loaded.value.xml} scroll={xmlScroll} height={inner} width={innerWidth} wrap={wrap} theme={theme} onLayout={onLayout} />
      ) : (
        <Text color={theme.muted}>loading…</Text>
      );
  } else {
    body = <SnapshotDetails node={node} detail={loaded?.status === 'ready' ? loaded.value.detail : null} theme={theme} />;
  }
  // Details and disks scroll by moving their content up, never past their last line.
  const content = useRef<DOMElement>(null);
  const [contentRows, setContentRows] = useState(0);
  useEffect(() => {
    if (!content.current) return;
    const rows = measureElement(content.current).height;
    if (rows !== contentRows) setContentRows(rows);
    if (scrolls) store.getState().detailLayout(Math.max(0, rows - inner));
  });
  const shift = scrolls ? Math.min(xmlScroll, Math.max(0, contentRows - inner)) : 0;
  return (
    <Box flexDirection="column" borderStyle="single" borderDimColor={!focused} height={height} width={width} flexShrink={0} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {focused ? '▶ ' : '  '}
          {title}
          {zoomed ? ` (${ZOOM_KEY}: back)` : ''}
        </Text>
      </Box>
      <Box flexDirection="column" overflow="hidden" height={inner}>
        <Box ref={content} flexDirection="column" flexShrink={0} marginTop={-shift}>
          {body}
        </Box>
      </Box>
    </Box>
  );
}
