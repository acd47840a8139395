import { Box, Text } from 'ink';
import { DISK_CHOICES, focusedField, formFields, MEMORY_CHOICES, type FormField } from '../src/store/create-form.js';
import type { CreateDialog } from '../src/store/create-actions.js';
import type { Theme } from './theme.js';

function fieldValue(dialog: CreateDialog, field: FormField): string {
  const form = dialog.form;
  switch (field.kind) {
    case 'text':
      if (field.id === 'name') return form.name || `(default: the creation time)`;
      if (field.id === 'description') return form.description;
      if (field.id === 'memory-file') return form.memoryFile || '(required)';
      return 'target' in field ? form.disks[field.target]!.file || '(default name)' : '';
    case 'choice':
      if (field.id === 'memory') return MEMORY_CHOICES.map((c) => (c === form.memory ? `[${c}]` : c)).join(' ');
      return DISK_CHOICES.map((c) => (c === form.disks[field.target]!.mode ? `[${c}]` : c)).join(' ');
    case 'flag':
      return form.flags[field.id] ? '[x]' : '[ ]';
    case 'submit':
      return '';
  }
}

export function CreateFormView({ dialog, theme, height }: { dialog: CreateDialog; theme: Theme; height: number }) {
  const fields = formFields(dialog.form);
  const focused = focusedField(dialog.form);
  const { plan } = dialog;
  const verdictColor = plan.verdict === 'ok' ? theme.current : theme.error;
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1} height={height} overflow="hidden">
      <Text bold color={theme.accent} wrap="truncate-end">
        New snapshot of {dialog.form.domain.name} ({dialog.form.domain.state}) — ↑↓ field, ←/→ or space change, type text, Enter on Create, Esc cancels
      </Text>
      {fields.map((field) => {
        const isFocused = field.id === focused.id;
        return (
          <Box key={field.id} flexShrink={0}>
            <Text inverse={isFocused} wrap="truncate-end">
              {isFocused ? '>' : ' '} {field.kind === 'submit' ? `[ ${field.label} ]` : `${field.label.padEnd(30)} ${fieldValue(dialog, field)}`}
              {isFocused && field.kind === 'text' ? '▏' : ''}
            </Text>
          </Box>
        );
      })}
      <Box flexShrink={0} flexDirection="column" marginTop={1}>
        <Text wrap="truncate-end">
          <Text bold>Plan: </Text>
          <Text color={verdictColor}>{plan.verdict}</Text>
          {plan.method ? ` via ${plan.method}` : ''}
          {plan.reason ? ` — ${plan.reason}` : ''}
        </Text>
        {plan.verdict === 'ok' && <Text wrap="truncate-end">guest pause: {plan.pause.description}</Text>}
        {plan.files.map((file) => (
          <Text key={file.path} wrap="truncate-start" color={theme.muted}>
            {file.role} {file.disk ?? ''} {file.path}
            {file.exists ? ' (exists)' : ''}
          </Text>
        ))}
        {plan.commands.map((args) => (
          <Text key={args.join(' ')} color={theme.muted} wrap="truncate-end">
            $ virsh {args.join(' ')}
          </Text>
        ))}
        {plan.warnings.map((warning) => (
          <Text key={warning} color={theme.error} wrap="wrap">
            ! {warning}
          </Text>
        ))}
        {dialog.phase === 'running' && <Text>creating…</Text>}
        {dialog.phase === 'failed' && (
          <Text color={theme.error} wrap="wrap">
            {dialog.error} — the form is kept: Enter to edit it again, Esc to close.
          </Text>
        )}
      </Box>
    </Box>
  );
}
