import { LineRow } from './LineRow.js';
import { Box, Text } from 'ink';
import { CHECKPOINT_INTERACTIONS } from '../src/engine/flows/backup-push.js';
import type { CheckpointView } from '../src/store/capture-actions.js';
import { formatTime } from '../src/format/time.js';
import { modalHints } from './keymap.js';
import type { Theme } from './theme.js';
import { wrapAll, type Line } from './wrap-lines.js';

interface Row extends Line {
  /** The checkpoint the row belongs to. */
  owner: number;
}

/** A domain's checkpoints, oldest first: each with its time, its parent, then one row per disk with its bitmap. Fits 80×24. */
export function CheckpointList({ view, theme, height, width }: { view: CheckpointView; theme: Theme; height: number; width: number }) {
  const inner = Math.max(20, width - 4);
  const inside = Math.max(4, height - 2);
  const rows: Row[] = [];
  view.items.forEach((c, i) => {
    const selected = i === view.index;
    const when = c.creationTime !== null ? formatTime(c.creationTime) : '?';
    rows.push({ text: `${selected ? '>' : ' '} ${c.name}  ${when}`, inverse: selected, bold: true, owner: i });
    rows.push({ text: `    parent: ${c.parent ?? '- (the first)'}`, owner: i });
    for (const d of c.disks) {
      const tracked = d.checkpoint === 'bitmap' ? `bitmap ${d.bitmap ?? c.name}` : 'not tracked';
      rows.push({ text: `    ${d.name.padEnd(6)} ${tracked}`, owner: i });
    }
  });
  const notes: Line[] = [];
  if (view.status === 'loading') notes.push({ text: 'reading the checkpoints…', bold: true });
  if (view.status === 'error') notes.push({ text: `The checkpoints cannot be read: ${view.error}`, color: theme.error });
  if (view.status === 'ready' && view.items.length === 0) {
    notes.push({ text: `${view.domain} has no checkpoints. A backup job (C, then “Backup job with checkpoints”) starts one.`, color: theme.muted });
  }
  if (view.items.length > 0) notes.push({ text: `Deleting one merges its bitmap into its parent's; no incremental can start from it afterwards. ${CHECKPOINT_INTERACTIONS[0]}`, color: theme.muted });
  const wrappedNotes = wrapAll(notes, inner);
  const noteRoom = Math.min(wrappedNotes.length, Math.max(1, Math.floor(inside / 3)));
  const listRoom = Math.max(1, inside - 1 - noteRoom - 1);
  // The selected checkpoint's first row in view, with as many of its disks as fit.
  const first = rows.findIndex((r) => r.owner === view.index);
  const last = rows.length - 1 - [...rows].reverse().findIndex((r) => r.owner === view.index);
  const start = first >= 0 && last >= listRoom ? Math.max(0, Math.min(first, last - listRoom + 1)) : 0;
  const shown = rows.slice(start, start + listRoom);
  const title = `Checkpoints of ${view.domain}: ${view.status === 'ready' ? view.items.length : '…'}${view.snapshots !== null ? `  (snapshots: ${view.snapshots})` : ''}`;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.accent} paddingX={1} height={height} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {title}
        </Text>
      </Box>
      <Box flexDirection="column" flexShrink={0} height={listRoom} overflow="hidden">
        {shown.map((row, index) => (
          <Text key={index} wrap="truncate-end" inverse={row.inverse} bold={row.bold}>
            {row.text}
          </Text>
        ))}
      </Box>
      {wrappedNotes.slice(0, noteRoom).map((line, index) => (
        <LineRow key={index} line={line} />
      ))}
      <Box flexGrow={1} />
      <LineRow line={{ text: modalHints('checkpoints'), color: theme.muted }} />
    </Box>
  );
}
