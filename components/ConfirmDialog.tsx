import { Box, Text } from 'ink';
import { useCallback } from 'react';
import { planLines } from '../src/engine/flows/plan-print.js';
import type { StepState } from '../src/engine/flows/step-machine.js';
import { blockedReason, CONFIRMATION_FIELD, optionRows, PLAN_FIELD, type ConfirmDialog as Dialog, type OptionRow } from '../src/store/confirm.js';
import { modalHints } from './keymap.js';
import { ScrollBody } from './ScrollBody.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';
import { useAppStoreApi } from './use-app-store.js';
import { wrapAll, wrapLine, type Line } from './wrap-lines.js';

export const STATUS_MARK: Record<StepState['status'], string> = { pending: '·', running: '…', done: '✓', failed: '✗', skipped: '-', undone: '↺' };

/** The plan printer's lines; once the flow runs, each step line carries its status mark. */
export function planBodyLines(dialog: Dialog, theme: Theme): Line[] {
  const lines: Line[] = [];
  if (dialog.replanning) lines.push({ text: 'planning again with the changed options…', color: theme.accent });
  if (dialog.planError) lines.push({ text: `No plan for these options: ${dialog.planError}`, color: theme.error });
  const running = dialog.phase !== 'confirming';
  // The title is the dialog's own first line.
  for (const text of planLines(dialog.plan).slice(1)) {
    const step = /^ {2}(\d+)\. /.exec(text);
    if (step && running) {
      const state = dialog.steps[Number(step[1]) - 1];
      lines.push({ text: `${state ? STATUS_MARK[state.status] : ' '}${text.slice(1)}`, bold: state?.status === 'running', color: state?.status === 'failed' ? theme.error : undefined });
    } else if (text.startsWith('Refused: ') || text.startsWith('  ! ')) lines.push({ text, color: theme.error });
    else if (/^ {7}\$ /.test(text)) lines.push({ text, color: theme.muted });
    else lines.push({ text });
  }
  if (running && dialog.progress.length) {
    lines.push({ text: 'Progress:', bold: true });
    for (const text of dialog.progress) lines.push({ text: `  ${text}`, color: text.startsWith('FAILED') || text.startsWith('UNDO FAILED') ? theme.error : undefined });
  }
  if (dialog.phase === 'failed') {
    lines.push({ text: `Failed: ${dialog.error ?? 'stopped'}`, color: theme.error, bold: true });
    const outcome = dialog.outcome;
    if (outcome?.leftState) lines.push({ text: `The host is left as: ${outcome.leftState}` });
    if (outcome?.unfinished) {
      lines.push({
        text: `The flow is unfinished (journal id ${outcome.flowId}): it can be continued, rolled back or marked resolved from the journal (H), or with \`virtsnap resume ${outcome.flowId}\` (--rollback, --resolve).`,
        color: theme.error,
      });
    } else if (outcome) {
      lines.push({ text: `Nothing on the host was changed; the journal records flow ${outcome.flowId} as failed.` });
    }
  }
  return lines;
}

function optionText(row: OptionRow, focused: boolean): string {
  const mark = focused ? '>' : ' ';
  if (row.kind === 'flag') return `${mark} [${row.value ? 'x' : ' '}] ${row.label}`;
  return `${mark} ${row.label}: ${row.choices.map((c) => (c.value === row.value ? `[${c.label}]` : c.label)).join('  ')}`;
}

export function ConfirmDialog({ dialog, theme, height, width }: { dialog: Dialog; theme: Theme; height: number; width: number }) {
  const store = useAppStoreApi();
  const onLayout = useCallback((max: number) => store.getState().confirmLayout(max), [store]);
  const { plan } = dialog;
  const confirmation = plan.confirmation;
  const inner = Math.max(10, width - 4);
  const confirming = dialog.phase === 'confirming';
  const rows = confirming ? optionRows(dialog.options) : [];
  const onConfirmation = dialog.field === CONFIRMATION_FIELD;

  // The footer: what confirms, then the hint (or the keys), each wrapped here so its rows are known.
  const footer: Line[] = [];
  const typesName = confirming && confirmation.kind === 'type-name';
  if (typesName) {
    footer.push(...wrapAll([{ text: `This cannot be undone. Type “${confirmation.text}” and press Enter, or Esc to cancel:` }], inner));
  }
  const blocked = confirming ? blockedReason(dialog) : null;
  if (dialog.hint) footer.push(...wrapAll([{ text: dialog.hint, color: theme.error }], inner));
  else if (confirming) footer.push({ text: modalHints('confirm'), color: theme.muted });
  else if (dialog.phase === 'running') footer.push({ text: 'running… (PgUp/PgDn scroll)', bold: true });
  else footer.push({ text: 'Enter or Esc closes', bold: true });
  const buttonRows = confirming && confirmation.kind === 'choice' ? 1 : 0;

  const inputRows = typesName ? 1 : 0;
  const bodyHeight = Math.max(2, height - 2 - 1 - rows.length - footer.length - buttonRows - inputRows);
  const body = wrapAll(planBodyLines(dialog, theme), inner);

  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1} height={height} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.error} wrap="truncate-end">
          {plan.title}
        </Text>
      </Box>
      {rows.map((row) => (
        <Box key={row.id} flexShrink={0} height={1}>
          <Text wrap="truncate-end" inverse={dialog.field === row.id}>
            {optionText(row, dialog.field === row.id)}
          </Text>
        </Box>
      ))}
      <ScrollBody
        lines={body}
        height={bodyHeight}
        scroll={dialog.scroll}
        follow={dialog.follow}
        focused={dialog.field === PLAN_FIELD && confirming}
        label={confirming ? 'plan' : dialog.phase === 'running' ? 'running' : 'failed'}
        theme={theme}
        onLayout={onLayout}
      />
      {footer.map((line, index) => (
        <Box key={index} flexShrink={0} height={1}>
          <Text wrap="truncate-end" color={line.color} bold={line.bold}>
            {line.text}
          </Text>
        </Box>
      ))}
      {typesName && (
        <Box flexShrink={0} height={1}>
          <Text>{onConfirmation ? '> ' : '  '}</Text>
          <TextField line={{ text: dialog.typed, cursor: dialog.cursor }} width={inner - 2} focused={onConfirmation} />
        </Box>
      )}
      {buttonRows > 0 && (
        <Box flexShrink={0} height={1}>
        <Text wrap="truncate-end">
          <Text inverse={onConfirmation && dialog.focus === 'cancel'}>{dialog.focus === 'cancel' ? '>' : ' '}Cancel </Text>
          {'  '}
          <Text inverse={onConfirmation && dialog.focus === 'confirm'} color={theme.error} strikethrough={blocked !== null}>
            {dialog.focus === 'confirm' ? '>' : ' '}Proceed{' '}
          </Text>
          {blocked !== null && <Text color={theme.error}> {wrapLine(blocked, inner)[0]}</Text>}
        </Text>
        </Box>
      )}
    </Box>
  );
}
