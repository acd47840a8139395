import { Box, Text } from 'ink';
import { formatPlannedCommand } from '../src/engine/flows/step-machine.js';
import type { ConfirmDialog as Dialog } from '../src/store/confirm.js';
import type { Theme } from './theme.js';

const STATUS_MARK = { pending: '·', running: '…', done: '✓', failed: '✗', skipped: '-', undone: '↺' } as const;

export function ConfirmDialog({ dialog, theme, height }: { dialog: Dialog; theme: Theme; height: number }) {
  const { plan } = dialog;
  const confirmation = plan.confirmation;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.error} paddingX={1} height={height} overflow="hidden">
      <Text bold color={theme.error} wrap="truncate-end">
        {plan.title}
      </Text>
      <Text bold>What happens</Text>
      {plan.consequences.map((line) => (
        <Text key={line} wrap="wrap">
          • {line}
        </Text>
      ))}
      <Text wrap="wrap">
        <Text bold>Downtime: </Text>
        {plan.downtime}
      </Text>
      {plan.warnings.map((line) => (
        <Text key={line} color={theme.error} wrap="wrap">
          ! {line}
        </Text>
      ))}
      <Text bold>Steps</Text>
      {dialog.steps.map((step) => (
        <Box key={step.id} flexDirection="column" flexShrink={0}>
          <Text wrap="truncate-end">
            {STATUS_MARK[step.status]} {step.title}
          </Text>
          {step.commands.map((command) => (
            <Text key={command.args.join(' ')} color={theme.muted} wrap="truncate-end">
              {'    $ '}
              {formatPlannedCommand(command)}
            </Text>
          ))}
        </Box>
      ))}
      {dialog.phase === 'failed' && (
        <Text color={theme.error} wrap="wrap">
          Failed: {dialog.error} — nothing further was run. Enter or Esc closes.
        </Text>
      )}
      {dialog.phase === 'running' && <Text>running…</Text>}
      {dialog.phase === 'confirming' &&
        (confirmation.kind === 'type-name' ? (
          <Box flexDirection="column">
            <Text wrap="wrap">
              This cannot be undone. Type <Text bold>{confirmation.text}</Text> and press Enter, or Esc to cancel:
            </Text>
            <Text>
              {'> '}
              {dialog.typed}▏
            </Text>
            {dialog.hint && <Text color={theme.error}>{dialog.hint}</Text>}
          </Box>
        ) : (
          <Text>
            <Text inverse={dialog.focus === 'cancel'}> Cancel </Text>
            {'  '}
            <Text inverse={dialog.focus === 'confirm'} color={theme.error}>
              {' '}
              Proceed{' '}
            </Text>
            <Text color={theme.muted}>   ←/→ choose, Enter runs the focused choice, Esc cancels</Text>
          </Text>
        ))}
    </Box>
  );
}
