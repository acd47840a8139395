import { Box, Text } from 'ink';
import type { SnapshotDetail, SnapshotNode } from '../src/engine/model.js';
import { formatTime } from '../src/format/time.js';
import type { Theme } from './theme.js';

function Field({ label, children, theme }: { label: string; children: React.ReactNode; theme: Theme }) {
  return (
    <Text wrap="truncate-end">
      <Text color={theme.muted}>{label.padEnd(12)}</Text>
      {children}
    </Text>
  );
}

export function SnapshotDetails({ node, detail, theme }: { node: SnapshotNode; detail: SnapshotDetail | null; theme: Theme }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate-end">
        {node.current ? '* ' : ''}
        {node.name}
      </Text>
      {detail?.description ? <Text wrap="wrap">{detail.description}</Text> : <Text color={theme.muted}>(no description)</Text>}
      <Field label="state" theme={theme}>
        {node.state}
        {node.current ? '  (current)' : ''}
      </Field>
      <Field label="location" theme={theme}>
        {node.location}
      </Field>
      <Field label="created" theme={theme}>
        {formatTime(node.creationTime)} UTC
      </Field>
      <Field label="parent" theme={theme}>
        {node.parent ?? '—'}
      </Field>
      <Field label="children" theme={theme}>
        {node.children.length ? node.children.map((c) => c.name).join(', ') : '—'}
      </Field>
      {detail ? (
        <>
          <Field label="memory" theme={theme}>
            {detail.memory.mode ?? 'default'}
            {detail.memory.file ? ` ${detail.memory.file}` : ''}
          </Field>
          {detail.disks.map((disk) => (
            <Field key={disk.name} label={`disk ${disk.name}`} theme={theme}>
              {disk.mode ?? 'default'}
              {disk.file ? ` ${disk.file}` : ''}
            </Field>
          ))}
        </>
      ) : (
        <Text color={theme.muted}>loading details…</Text>
      )}
    </Box>
  );
}
