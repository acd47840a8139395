import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { selectedDomain, selectedForest, snapshotKey } from '../src/store/app-store.js';
import { treeLines } from '../src/format/tree-text.js';
import { DisksView } from './DisksView.js';
import { SnapshotDetails } from './SnapshotDetails.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';
import { XmlView } from './XmlView.js';

export function DetailPane({ theme, height, width }: { theme: Theme; height: number; width?: number }) {
  const view = useAppStore((s) => s.view);
  const domain = useAppStore(selectedDomain);
  const forest = useAppStore(selectedForest);
  const index = useAppStore((s) => s.snapshotIndex);
  const xmlScroll = useAppStore((s) => s.xmlScroll);
  const lines = useMemo(() => (forest ? treeLines(forest) : []), [forest]);
  const node = lines[index]?.node ?? null;
  const loaded = useAppStore((s) => (domain && node ? s.snapshots[snapshotKey(domain.name, node.name)] : undefined));
  const disks = useAppStore((s) => (domain ? s.diskReports[domain.name] : undefined));
  const title = view === 'disks' ? `disks of ${domain?.name ?? '—'}` : view === 'xml' ? `XML of ${node?.name ?? '—'}` : 'details';
  const inner = Math.max(1, height - 3);

  let body: React.ReactNode;
  if (view === 'disks') {
    if (!disks || disks.status === 'loading') body = <Text color={theme.muted}>reading disks…</Text>;
    else if (disks.status === 'error') body = <Text color={theme.error}>{disks.message}</Text>;
    else body = <DisksView reports={disks.value} theme={theme} />;
  } else if (!node) {
    body = <Text color={theme.muted}>{domain ? 'no snapshot selected' : 'no domain selected'}</Text>;
  } else if (loaded?.status === 'error') {
    body = <Text color={theme.error}>{loaded.message}</Text>;
  } else if (view === 'xml') {
    body = loaded?.status === 'ready' ? <XmlView xml={loaded.value.xml} scroll={xmlScroll} height={inner - 1} theme={theme} /> : <Text color={theme.muted}>loading…</Text>;
  } else {
    body = <SnapshotDetails node={node} detail={loaded?.status === 'ready' ? loaded.value.detail : null} theme={theme} />;
  }
  return (
    <Box flexDirection="column" borderStyle="single" height={height} width={width} flexGrow={width ? 0 : 1} overflow="hidden">
      <Box flexShrink={0}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {title}
        </Text>
      </Box>
      {body}
    </Box>
  );
}
