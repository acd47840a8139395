import { Box, Text } from 'ink';
import { useCallback } from 'react';
import type { FlowRecord } from '../src/engine/flows/journal.js';
import { FLOW_CHOICES, type FlowChoice, type UnfinishedDialog } from '../src/store/flow-actions.js';
import { STATUS_MARK } from './ConfirmDialog.js';
import { modalHints } from './keymap.js';
import { ScrollBody } from './ScrollBody.js';
import type { Theme } from './theme.js';
import { useAppStoreApi } from './use-app-store.js';
import { wrapAll, type Line } from './wrap-lines.js';

const CHOICE_LABEL: Record<FlowChoice, string> = { continue: 'Continue', rollback: 'Roll back', resolve: 'Mark resolved', later: 'Later' };
/** At most this many flows are listed at once; the list scrolls with the selection. */
const LIST_ROWS = 5;

export const journalTime = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** One flow as its journal tells it: the steps done, in doubt, failed and left, and the failure. */
export function flowRecordLines(record: FlowRecord, theme: Theme): Line[] {
  const lines: Line[] = [
    { text: record.begin.title, bold: true },
    { text: `flow ${record.id} (${record.begin.kind}) on ${record.begin.domain}, begun ${journalTime(record.begin.at)} UTC` },
    { text: `${record.done.length} of ${record.begin.steps.length} steps done, ${record.remaining.length} remaining${record.end ? `; ended: ${record.end.status}${record.end.detail ? ` (${record.end.detail})` : ''}` : ''}` },
    { text: 'Steps:' },
  ];
  record.begin.steps.forEach((step, index) => {
    const mark = record.done.includes(step.id) ? '✓' : record.inDoubt === step.id ? '?' : record.failed?.step === step.id ? '✗' : '·';
    lines.push({ text: `${mark} ${index + 1}. ${step.title}`, color: mark === '✗' || mark === '?' ? theme.error : undefined });
  });
  if (record.inDoubt) {
    lines.push({ text: `In doubt: “${record.inDoubt}” started and has no recorded end; continuing checks the host before running it again.`, color: theme.error });
  }
  if (record.failed) lines.push({ text: `Failed: ${record.failed.step}: ${record.failed.message}`, color: theme.error });
  return lines;
}

function listWindow(count: number, index: number, rows: number): [number, number] {
  const start = Math.max(0, Math.min(index - Math.floor(rows / 2), count - rows));
  return [start, Math.min(count, start + rows)];
}

export function UnfinishedFlows({ dialog, theme, height, width }: { dialog: UnfinishedDialog; theme: Theme; height: number; width: number }) {
  const store = useAppStoreApi();
  const onLayout = useCallback((max: number) => store.getState().flowsLayout(max), [store]);
  const inner = Math.max(10, width - 4);
  const record = dialog.flows[dialog.index];
  const listRows = Math.min(LIST_ROWS, dialog.flows.length);
  const [from, to] = listWindow(dialog.flows.length, dialog.index, listRows);

  const body: Line[] = record ? flowRecordLines(record, theme) : [];
  if (dialog.running && dialog.phase !== 'choosing') {
    body.push({ text: `${dialog.running.action === 'continue' ? 'Continuing' : 'Rolling back'}:`, bold: true });
    dialog.steps.forEach((step, index) => body.push({ text: `  ${STATUS_MARK[step.status]} ${index + 1}. ${step.title}` }));
    for (const text of dialog.progress) body.push({ text: `  ${text}`, color: /FAILED/.test(text) ? theme.error : undefined });
  }
  if (dialog.phase === 'failed') {
    body.push({ text: `Failed: ${dialog.error ?? 'stopped'}`, color: theme.error, bold: true });
    if (dialog.leftState) body.push({ text: `The host is left as: ${dialog.leftState}` });
    body.push({ text: 'The flow stays unfinished. Enter goes back to the choices.' });
  }
  const footer: Line[] = dialog.hint
    ? wrapAll([{ text: dialog.hint, color: theme.error }], inner)
    : [{ text: dialog.phase === 'running' ? 'running… (PgUp/PgDn scroll)' : modalHints('flows'), color: theme.muted }];
  const buttonRows = dialog.phase === 'choosing' ? 1 : 0;
  const bodyHeight = Math.max(2, height - 2 - 1 - listRows - footer.length - buttonRows);

  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1} height={height} overflow="hidden">
      <Text bold color={theme.error} wrap="truncate-end">
        {dialog.fromJournal ? 'Unfinished flow' : `Unfinished flows on this host (${dialog.flows.length}): they stopped part-way`}
      </Text>
      {dialog.flows.slice(from, to).map((flow, offset) => {
        const selected = from + offset === dialog.index;
        return (
          <Text key={flow.id} wrap="truncate-end" inverse={selected}>
            {selected ? '>' : ' '} {flow.begin.kind} {flow.begin.domain}: {flow.begin.title} — {flow.done.length}/{flow.begin.steps.length} done
            {flow.failed ? `, failed: ${flow.failed.message}` : flow.inDoubt ? ', one step in doubt' : ''}
          </Text>
        );
      })}
      <ScrollBody lines={wrapAll(body, inner)} height={bodyHeight} scroll={dialog.scroll} follow={dialog.follow} focused={false} label="details" theme={theme} onLayout={onLayout} />
      {footer.map((line, index) => (
        <Text key={index} wrap="truncate-end" color={line.color}>
          {line.text}
        </Text>
      ))}
      {buttonRows > 0 && (
        <Text wrap="truncate-end">
          {FLOW_CHOICES.map((choice) => (
            <Text key={choice} inverse={dialog.focus === choice}>
              {dialog.focus === choice ? '>' : ' '}
              {CHOICE_LABEL[choice]}{' '}
            </Text>
          ))}
        </Text>
      )}
    </Box>
  );
}
