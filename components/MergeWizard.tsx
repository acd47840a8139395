import { LineRow } from './LineRow.js';
import { Box, Text } from 'ink';
import { useCallback } from 'react';
import { BANDWIDTHS, wizardDisks, wizardFields, type MergeWizard as Wizard, type WizardField } from '../src/store/merge-actions.js';
import { openDialog } from '../src/store/confirm.js';
import type { WizardDisk } from '../src/engine/flows/merge-chains.js';
import { planBodyLines } from './ConfirmDialog.js';
import { modalHints } from './keymap.js';
import { ScrollBody } from './ScrollBody.js';
import type { Theme } from './theme.js';
import { useAppStoreApi } from './use-app-store.js';
import { wrapAll, type Line } from './wrap-lines.js';

const TITLES = { commit: 'Merge', pull: 'Flatten', copy: 'Copy' } as const;

const base = (path: string) => path.split('/').at(-1) ?? path;

/** One text line cut to `width` characters (the chain's file names are cut in the middle). */
function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const half = Math.max(1, Math.floor((width - 1) / 2));
  return `${chars.slice(0, half).join('')}…${chars.slice(chars.length - (width - 1 - half)).join('')}`;
}

/** The chain of one disk, top first, with the marks and what each layer does. */
function chainLines(w: Wizard, disk: WizardDisk, width: number, theme: Theme, room: number): Line[] {
  const m = w.marks[disk.target];
  const lines: Line[] = [];
  disk.layers.forEach((layer, i) => {
    let role = '';
    let mark = '  ';
    let color: string | undefined;
    if (m && w.kind === 'commit') {
      if (i === m.top) mark = w.mark === 'top' && w.field === 'range' ? 'T▸' : 'T ';
      if (i === m.base) mark = w.mark === 'base' && w.field === 'range' ? 'B▸' : 'B ';
      if (i >= m.top && i < m.base) (role = 'merged ↓'), (color = theme.accent);
      if (i === m.base) (role = 'receives the data'), (color = theme.current);
    } else if (m && w.kind === 'pull') {
      if (i === 0) (mark = 'T '), (role = 'receives the data'), (color = theme.current);
      if (i === m.base) mark = w.field === 'range' ? 'B▸' : 'B ';
      if (i > 0 && i <= m.base) (role = 'pulled ↑'), (color = theme.accent);
    }
    const label = `${i === 0 ? 'top ' : i === disk.layers.length - 1 ? 'base' : '    '} ${mark} `;
    const by = layer.createdBy.length ? ` ← ${layer.createdBy.join(', ')}` : '';
    const tail = role ? `  ${role}` : '';
    const nameRoom = Math.max(8, width - label.length - tail.length - by.length);
    lines.push({ text: `${label}${cut(base(layer.source), nameRoom)}${by}${tail}`, color });
  });
  if (lines.length <= room) return lines;
  // Keep the marks in view: a window around them.
  const focus = m ? (w.kind === 'commit' && w.mark === 'top' ? m.top : m.base) : 0;
  const start = Math.max(0, Math.min(lines.length - room, focus - Math.floor(room / 2)));
  return lines.slice(start, start + room);
}

function effectText(w: Wizard): string {
  const disks = wizardDisks(w);
  if (w.kind === 'copy') {
    const d = w.chains.disks[w.disk];
    return d ? `copies ${w.shallow ? 'the top of ' : ''}${d.target} (${d.layers.length} layer${d.layers.length === 1 ? '' : 's'}) to ${w.dest || '(no destination)'}` : '';
  }
  return disks
    .map((d) => {
      const m = w.marks[d.target]!;
      if (w.kind === 'pull') return `${d.target}: ${d.layers.slice(1, m.base + 1).map((l) => base(l.source)).join(', ')} → ${base(d.layers[0]!.source)}`;
      const kind = m.top === 0 ? (w.end === 'pivot' ? 'active commit, then pivot' : 'active commit, overlay kept') : 'commit';
      return `${d.target}: ${d.layers.slice(m.top, m.base).map((l) => base(l.source)).join(', ')} → ${base(d.layers[m.base]!.source)} (${kind})`;
    })
    .join('; ');
}

function fieldText(w: Wizard, field: WizardField): string {
  const choice = <T,>(values: readonly T[], current: T, label: (v: T) => string) => values.map((v) => (v === current ? `[${label(v)}]` : label(v))).join(' ');
  switch (field) {
    case 'disk': {
      if (w.kind === 'copy') return `disk: ${choice(w.chains.disks.map((_, i) => i), w.disk, (i) => w.chains.disks[i]!.target)}`;
      const options = w.chains.disks.map((d, i) => (w.marks[d.target] ? i : null)).filter((i): i is number => i !== null);
      if (options.length > 1) options.push(-1);
      return `disk: ${choice(options, w.disk, (i) => (i < 0 ? 'all (one after the other)' : w.chains.disks[i]!.target))}`;
    }
    case 'range':
      if (w.disk < 0) return 'range: each disk its default';
      return w.kind === 'pull' ? 'range: ↑↓ move the base mark (B): the lowest layer pulled' : `range: ↑↓ move the ${w.mark} mark, ←→ switch top/base`;
    case 'end':
      return w.kind === 'copy'
        ? `when ready: ${choice(['pivot', 'finish', 'wait'] as const, w.end as 'pivot', (v) => (v === 'pivot' ? 'pivot to the copy' : v === 'finish' ? 'finish (disk stays)' : 'stay synchronized'))}`
        : `when ready: ${choice(['pivot', 'keep'] as const, w.end as 'pivot', (v) => (v === 'pivot' ? 'pivot to the base' : 'keep the overlay'))}`;
    case 'bandwidth':
      return `bandwidth: ${choice(BANDWIDTHS, w.bandwidth, (v) => (v === 0 ? 'unlimited' : `${v}`))} MiB/s`;
    case 'forget':
      return `[${w.forget ? 'x' : ' '}] forget the metadata of snapshots whose files leave the chain`;
    case 'delete':
      return `[${w.deleteFiles ? 'x' : ' '}] delete the files that leave the chain (if nothing uses them)`;
    case 'shallow':
      return `[${w.shallow ? 'x' : ' '}] shallow: copy only the top; the copy keeps the backing chain`;
    case 'format':
      return `format: ${choice(['qcow2', 'raw'] as const, w.format, (v) => v)}`;
    case 'dest':
      return `destination: ${w.dest}`;
  }
}

function Buttons({ w, theme, proceed, blocked }: { w: Wizard; theme: Theme; proceed: string; blocked: boolean }) {
  return (
    <Box flexShrink={0} height={1}>
      <Text wrap="truncate-end">
        <Text inverse={w.focus === 'cancel'}>{w.focus === 'cancel' ? '>' : ' '}Cancel </Text>
        {'  '}
        <Text inverse={w.focus === 'confirm'} color={theme.error} strikethrough={blocked}>
          {w.focus === 'confirm' ? '>' : ' '}
          {proceed}{' '}
        </Text>
      </Text>
    </Box>
  );
}

/** The merge, flatten or copy wizard, drawn over the chain diagram; fits 80×24. */
export function MergeWizard({ wizard: w, theme, height, width }: { wizard: Wizard; theme: Theme; height: number; width: number }) {
  const store = useAppStoreApi();
  const onLayout = useCallback((max: number) => store.getState().mergeLayout(max), [store]);
  const inner = Math.max(20, width - 4);
  const way = w.chains.way === 'offline' ? 'offline (qemu-img)' : w.chains.way === 'online' ? 'online (block jobs)' : w.chains.state;
  const disksText = w.kind === 'copy' || w.disk >= 0 ? (w.chains.disks[w.disk]?.target ?? '') : 'all disks';
  const title = `${TITLES[w.kind]} ${w.domain} ${disksText}${w.snapshot && w.kind !== 'copy' ? ` from “${w.snapshot}”` : ''}: ${w.kind === 'copy' ? 'online (block copy)' : way}`;
  const inside = height - 2;

  if (w.stage === 'abort') {
    const run = store.getState().mergeRun;
    const text = wrapAll(
      [
        { text: `Abort ${run?.title ?? 'the running merge'}?`, bold: true },
        {
          text:
            w.chains.way === 'offline'
              ? 'qemu-img is stopped. A flatten leaves every image reading as before; a merge leaves part of the data in the base, and the flow stays unfinished in the journal (H continues it).'
              : 'The block job is aborted: the disk stays on its chain as it was (a commit\'s base may already hold part of the data).',
        },
      ],
      inner,
    );
    return (
      <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1} height={height} overflow="hidden">
        {text.slice(0, Math.max(1, inside - 2)).map((line, i) => (
          <LineRow key={i} line={line} />
        ))}
        <Box flexGrow={1} />
        <Buttons w={w} theme={theme} proceed="Abort" blocked={false} />
        <LineRow line={{ text: modalHints('merge'), color: theme.muted }} />
      </Box>
    );
  }

  if (w.stage === 'preflight' && w.plan) {
    const dialog = openDialog(w.plan);
    const hint = w.hint ? wrapAll([{ text: w.hint, color: theme.error }], inner).slice(0, 2) : [];
    const body = wrapAll(
      [
        // The plan's refusal says it when the engine refused; otherwise the wizard does.
        ...(w.chains.cannotRun && !w.plan.refusal ? [{ text: `It cannot run here: ${w.chains.cannotRun}`, color: theme.error }] : []),
        ...planBodyLines(dialog, theme),
      ],
      inner,
    );
    const bodyHeight = Math.max(2, inside - 1 - hint.length - 2);
    return (
      <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1} height={height} overflow="hidden">
        <LineRow line={{ text: `Pre-flight: ${w.plan.title}`, bold: true, color: theme.error }} />
        <ScrollBody lines={body} height={bodyHeight} scroll={w.scroll} follow={w.follow} focused={false} label="plan" theme={theme} onLayout={onLayout} />
        {hint.map((line, i) => (
          <LineRow key={i} line={line} />
        ))}
        <Buttons w={w} theme={theme} proceed="Proceed" blocked={w.plan.refusal !== null} />
        <LineRow line={{ text: 'Enter: focused button  ←→ Cancel/Proceed  ↑↓ PgUp/PgDn scroll  Esc back', color: theme.muted }} />
      </Box>
    );
  }

  // Setup: fields, the chain diagram under the range, the way it runs, and notes.
  const fields = wizardFields(w);
  const notes: Line[] = [];
  notes.push({ text: `→ ${effectText(w)}`, color: theme.accent });
  const shown = w.disk >= 0 ? w.chains.disks[w.disk] : undefined;
  if (w.kind === 'commit' && w.snapshot && shown && !shown.layers.some((l) => l.createdBy.includes(w.snapshot!))) {
    notes.push({ text: `“${w.snapshot}” made no layer of ${shown.target}'s chain: the range starts at the active layer; move the marks to choose`, color: theme.error });
  }
  if (w.kind !== 'copy') notes.push({ text: `way: ${w.chains.why}`, color: theme.muted });
  if (w.chains.cannotRun) notes.push({ text: w.chains.cannotRun, color: theme.error });
  if (w.stage === 'planning') notes.push({ text: 'planning…', bold: true });
  if (w.planError) notes.push({ text: `No plan: ${w.planError}`, color: theme.error });
  if (w.hint) notes.push({ text: w.hint, color: theme.error });
  const wrappedNotes = wrapAll(notes, inner);
  const fixed = 1 + fields.length + 1; // title, fields, footer
  const noteRows = Math.min(wrappedNotes.length, Math.max(1, inside - fixed - 2));
  const chainRoom = Math.max(1, inside - fixed - noteRows);
  const rangeLines: Line[] = [];
  if (w.kind === 'copy') {
    const d = w.chains.disks[w.disk];
    if (d) rangeLines.push(...chainLines(w, d, inner, theme, chainRoom));
  } else if (w.disk >= 0) rangeLines.push(...chainLines(w, w.chains.disks[w.disk]!, inner, theme, chainRoom));
  else {
    for (const d of wizardDisks(w)) rangeLines.push({ text: cut(`${d.target}: ${d.layers.map((l) => base(l.source)).join(' ← ')}`, inner) });
  }
  const shownChain = rangeLines.slice(0, chainRoom);
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.accent} paddingX={1} height={height} overflow="hidden">
      <LineRow line={{ text: title, bold: true, color: theme.accent }} />
      {fields.map((field) => (
        <Box key={field} flexDirection="column" flexShrink={0}>
          <LineRow line={{ text: `${w.field === field ? '>' : ' '} ${fieldText(w, field)}`, inverse: w.field === field }} />
          {(field === 'range' || (w.kind === 'copy' && field === 'disk')) &&
            shownChain.map((line, i) => <LineRow key={i} line={{ ...line, text: `  ${line.text}` }} />)}
        </Box>
      ))}
      {wrappedNotes.slice(0, noteRows).map((line, i) => (
        <LineRow key={`n${i}`} line={line} />
      ))}
      <Box flexGrow={1} />
      <LineRow line={{ text: modalHints('merge'), color: theme.muted }} />
    </Box>
  );
}
