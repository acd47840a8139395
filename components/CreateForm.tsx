import { Box, Text } from 'ink';
import { useCallback } from 'react';
import { DISK_CHOICES, focusedField, formFields, MEMORY_CHOICES, type FormField } from '../src/store/create-form.js';
import type { CreateDialog } from '../src/store/create-actions.js';
import { ScrollBody } from './ScrollBody.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';
import { useAppStoreApi } from './use-app-store.js';
import { wrapAll, type Line } from './wrap-lines.js';


function textOf(dialog: CreateDialog, field: FormField): string {
  const form = dialog.form;
  if (field.kind !== 'text') return '';
  if (field.id === 'name') return form.name;
  if (field.id === 'description') return form.description;
  if (field.id === 'memory-file') return form.memoryFile;
  return 'target' in field ? form.disks[field.target]!.file : '';
}

function placeholderOf(field: FormField): string {
  if (field.id === 'name') return '(default: the creation time)';
  if (field.id === 'memory-file') return '(required)';
  return field.kind === 'text' && 'target' in field ? '(default name)' : '';
}

function valueOf(dialog: CreateDialog, field: FormField): string {
  const form = dialog.form;
  switch (field.kind) {
    case 'choice':
      if (field.id === 'memory') return MEMORY_CHOICES.map((c) => (c === form.memory ? `[${c}]` : c)).join(' ');
      return DISK_CHOICES.map((c) => (c === form.disks[field.target]!.mode ? `[${c}]` : c)).join(' ');
    case 'flag':
      return form.flags[field.id] ? '[x]' : '[ ]';
    default:
      return '';
  }
}

/** The plan below the fields, as lines to wrap and scroll. */
function planLinesOf(dialog: CreateDialog, theme: Theme): Line[] {
  const { plan } = dialog;
  const lines: Line[] = [];
  lines.push({ text: `Plan: ${plan.verdict}${plan.method ? ` via ${plan.method}` : ''}${plan.reason ? ` — ${plan.reason}` : ''}`, color: plan.verdict === 'ok' ? theme.current : theme.error, bold: true });
  if (plan.verdict === 'ok') lines.push({ text: `guest pause: ${plan.pause.description}` });
  for (const file of plan.files) lines.push({ text: `${file.role} ${file.disk ?? ''} ${file.path}${file.exists ? ' (exists)' : ''}`, color: theme.muted });
  for (const args of plan.commands) lines.push({ text: `$ virsh ${args.join(' ')}`, color: theme.muted });
  for (const warning of plan.warnings) lines.push({ text: `! ${warning}`, color: theme.error });
  if (dialog.phase === 'running') lines.push({ text: 'creating…', bold: true });
  if (dialog.phase === 'failed') lines.push({ text: `${dialog.error ?? 'failed'} — the form is kept: Enter to edit it again, Esc to close.`, color: theme.error });
  return lines;
}

/**
 * The create form inside `height` rows: the title, a window of fields around the focused one,
 * and the plan in a body that scrolls (PgUp/PgDn), so nothing overlaps and the field being
 * edited is always in view.
 */
export function CreateFormView({ dialog, theme, height, width }: { dialog: CreateDialog; theme: Theme; height: number; width: number }) {
  const store = useAppStoreApi();
  const onLayout = useCallback((max: number) => store.getState().createLayout(max), [store]);
  const fields = formFields(dialog.form);
  const focused = focusedField(dialog.form);
  const inner = Math.max(20, width - 4);
  const LABEL = Math.max(12, Math.min(32, Math.floor(inner * 0.4)));
  const rows = Math.max(4, height - 2);
  // Fields get up to half the rows (at least 3); the plan the rest, its label line included.
  const fieldRows = Math.min(fields.length, Math.max(3, Math.floor((rows - 2) / 2)));
  const at = fields.findIndex((f) => f.id === focused.id);
  const start = Math.max(0, Math.min(at - Math.floor(fieldRows / 2), fields.length - fieldRows));
  const shown = fields.slice(start, start + fieldRows);
  const planRows = Math.max(2, rows - 2 - fieldRows);
  const title = `New snapshot of ${dialog.form.domain.name} (${dialog.form.domain.state})`;
  const position = fields.length > fieldRows ? ` · field ${at + 1}/${fields.length}` : '';
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1} height={height} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {title}
          {position}
        </Text>
      </Box>
      <Box flexShrink={0} height={1}>
        <Text color={theme.muted} wrap="truncate-end">
          ↑↓ Tab S-Tab field · ←→ space change · Enter create · PgDn plan · Esc cancel
        </Text>
      </Box>
      {shown.map((field) => {
        const isFocused = field.id === focused.id;
        if (field.kind === 'submit') {
          return (
            <Box key={field.id} flexShrink={0} height={1}>
              <Text inverse={isFocused} wrap="truncate-end">
                {isFocused ? '>' : ' '} [ {field.label} ]
              </Text>
            </Box>
          );
        }
        const label = `${isFocused ? '>' : ' '} ${field.label.padEnd(LABEL).slice(0, LABEL)} `;
        return (
          <Box key={field.id} flexShrink={0} height={1}>
            <Box flexShrink={0}>
              <Text bold={isFocused}>{label}</Text>
            </Box>
            {field.kind === 'text' ? (
              <TextField
                line={{ text: textOf(dialog, field), cursor: isFocused ? dialog.form.cursor : 0 }}
                width={inner - label.length}
                focused={isFocused}
                placeholder={placeholderOf(field)}
              />
            ) : (
              <Text inverse={isFocused} wrap="truncate-end">
                {valueOf(dialog, field)}
              </Text>
            )}
          </Box>
        );
      })}
      <ScrollBody lines={wrapAll(planLinesOf(dialog, theme), inner)} height={planRows} scroll={dialog.scroll} follow={false} focused={false} label="plan" theme={theme} onLayout={onLayout} />
    </Box>
  );
}
