import { Box, Text } from 'ink';
import { useCallback } from 'react';
import { CAPTURE_METHODS, type CaptureMethod } from '../src/engine/capture-methods.js';
import { CAPTURE_ENTRIES, type CaptureEntryId, type CaptureMenu as Menu } from '../src/store/capture-actions.js';
import { modalHints } from './keymap.js';
import { ScrollBody } from './ScrollBody.js';
import type { Theme } from './theme.js';
import { useAppStore, useAppStoreApi } from './use-app-store.js';
import { wrapAll, type Line } from './wrap-lines.js';

const yes = (b: boolean) => (b ? 'yes' : 'no');
const methodOf = (id: CaptureEntryId): CaptureMethod | null => CAPTURE_METHODS.find((m) => m.id === id) ?? null;

/** One cell cut to `width` columns (…), padded to it. */
function cell(text: string, width: number): string {
  const chars = [...text];
  return (chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join('')}…` : text).padEnd(width);
}

/** What Enter does on a row, in words. */
function enterText(id: CaptureEntryId, domain: string): string {
  switch (id) {
    case 'internal-snapshot':
    case 'external-snapshot':
    case 'external-disk-only-snapshot':
      return 'Enter: the create form (c), where memory and disks are chosen, with its live plan';
    case 'manual-storage-snapshot':
      return 'Enter: choose the disks you snapshot yourself, then the plan; while the guest is paused it asks you to confirm your storage snapshot';
    case 'backup-temporary-snapshot':
      return 'Enter: a form (directory, disks, freeze, format), then the plan (also b)';
    case 'backup-push':
      return 'Enter: a form (directory, full or incremental, since which checkpoint, disks, freeze), then the plan';
    case 'save':
      return 'Enter: a form (the file, the state on restore), then the plan';
    case 'managedsave':
      return 'Enter: save, or remove the image, then the plan';
    case 'checkpoints':
      return `Enter: ${domain}'s checkpoints with their disks and bitmaps (also K); D deletes one`;
  }
}

function detailLines(id: CaptureEntryId, domain: string, driverNote: string | null, theme: Theme): Line[] {
  const m = methodOf(id);
  const lines: Line[] = [];
  if (!m) {
    lines.push({ text: 'Checkpoints', bold: true });
    lines.push({ text: 'Where incremental backups count changes from: one qcow2 dirty bitmap per disk, kept by libvirt in the images.' });
  } else {
    lines.push({ text: m.label, bold: true });
    lines.push({ text: `captures: ${m.captures}` });
    lines.push({ text: `downtime: ${m.downtime}` });
    lines.push({ text: `guest keeps running: ${yes(m.guestKeepsRunning)}` });
    lines.push({ text: `files kept by: ${m.filesManagedBy}` });
    lines.push({ text: `in the snapshot tree: ${yes(m.inSnapshotTree)}    incremental: ${yes(m.incremental)}` });
    lines.push({ text: `command: ${m.command.replace('DOMAIN', domain)}`, color: theme.muted });
    lines.push({ text: `libvirt: ${m.libvirt}`, color: theme.muted });
    lines.push({ text: m.notes });
  }
  lines.push({ text: enterText(id, domain), color: theme.accent });
  if (driverNote && (id === 'backup-temporary-snapshot' || id === 'backup-push' || id === 'checkpoints')) lines.push({ text: driverNote, color: theme.error });
  return lines;
}

/** The "capture state" menu: every method, its trade-offs in columns, the selected one in full; fits 80×24. */
export function CaptureMenu({ menu, theme, height, width }: { menu: Menu; theme: Theme; height: number; width: number }) {
  const store = useAppStoreApi();
  const uri = useAppStore((s) => s.uri);
  const onLayout = useCallback((max: number) => store.getState().captureMenuLayout(max), [store]);
  const inner = Math.max(20, width - 4);
  const inside = Math.max(4, height - 2);
  const driverNote = uri.startsWith('test:') ? "libvirt's test driver (the demo host) has no backup jobs and no checkpoints of its own, and its files are imaginary: the backups' plans show and are refused." : null;

  const capturesWidth = 21;
  const flagWidth = 7;
  const labelWidth = Math.max(10, inner - 2 - capturesWidth - 2 * (flagWidth + 1) - 1);
  const header = `  ${cell('method', labelWidth)} ${cell('captures', capturesWidth)} ${cell('running', flagWidth)} ${cell('in tree', flagWidth)}`;
  const rowText = (id: CaptureEntryId) => {
    const m = methodOf(id);
    if (!m) return `${cell(`Checkpoints of ${menu.domain} (list, delete)`, labelWidth)} ${cell('bitmaps', capturesWidth)} ${cell('', flagWidth)} ${cell('', flagWidth)}`;
    return `${cell(m.label, labelWidth)} ${cell(m.captures, capturesWidth)} ${cell(yes(m.guestKeepsRunning), flagWidth)} ${cell(yes(m.inSnapshotTree), flagWidth)}`;
  };

  const footer: Line[] = menu.hint ? wrapAll([{ text: menu.hint, color: theme.error }], inner).slice(0, 3) : [];
  footer.push({ text: modalHints('capture'), color: theme.muted });
  // The rows keep at least 4 lines of details under them; they scroll around the selection when short of room.
  const rowRoom = Math.max(1, Math.min(CAPTURE_ENTRIES.length, inside - 2 - footer.length - 4));
  const start = Math.max(0, Math.min(menu.index - Math.floor(rowRoom / 2), CAPTURE_ENTRIES.length - rowRoom));
  const shown = CAPTURE_ENTRIES.slice(start, start + rowRoom);
  const detailHeight = Math.max(2, inside - 2 - rowRoom - footer.length);
  const selected = CAPTURE_ENTRIES[menu.index]!;
  const details = wrapAll(detailLines(selected, menu.domain, driverNote, theme), inner);

  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.accent} paddingX={1} height={height} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          Capture the state of {menu.domain} ({menu.index + 1}/{CAPTURE_ENTRIES.length})
        </Text>
      </Box>
      <Box flexShrink={0} height={1}>
        <Text color={theme.muted} wrap="truncate-end">
          {header}
        </Text>
      </Box>
      <Box flexDirection="column" flexShrink={0} height={rowRoom} overflow="hidden">
        {shown.map((id, offset) => {
          const isSelected = start + offset === menu.index;
          return (
            <Text key={id} wrap="truncate-end" inverse={isSelected}>
              {isSelected ? '> ' : '  '}
              {rowText(id)}
            </Text>
          );
        })}
      </Box>
      <ScrollBody lines={details} height={detailHeight} scroll={menu.scroll} follow={false} focused={false} label="trade-offs" theme={theme} onLayout={onLayout} />
      {footer.map((line, index) => (
        <Box key={index} flexShrink={0} height={1}>
          <Text wrap="truncate-end" color={line.color}>
            {line.text}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
