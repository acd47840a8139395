import { Box, Text } from 'ink';
import type { DiskReport, LayerReport } from '../src/engine/disk-report.js';
import { formatBytes } from '../src/format/bytes.js';
import type { Theme } from './theme.js';

const BAR = 10;

function bar(layer: LayerReport): string {
  if (layer.allocation === null || !layer.capacity) return ' '.repeat(BAR);
  const filled = Math.min(BAR, Math.round((layer.allocation / layer.capacity) * BAR));
  return '█'.repeat(filled) + '░'.repeat(BAR - filled);
}

export function DisksView({ reports, theme }: { reports: DiskReport[]; theme: Theme }) {
  if (reports.length === 0) return <Text color={theme.muted}>no disks</Text>;
  return (
    <Box flexDirection="column">
      {reports.map((disk) => (
        <Box key={disk.target} flexDirection="column" marginBottom={1} flexShrink={0}>
          <Text bold>
            {disk.target} <Text color={theme.muted}>({disk.device}, top → base)</Text>
          </Text>
          {disk.layers.map((layer, i) => (
            <Box key={`${layer.source}-${i}`} flexDirection="column" flexShrink={0}>
              <Text wrap="truncate-end">
                {i === 0 ? 'top ' : i === disk.layers.length - 1 ? 'base' : '    '} {bar(layer)}{' '}
                {layer.allocation === null ? '' : `${formatBytes(layer.allocation)}${layer.capacity ? ` of ${formatBytes(layer.capacity)}` : ''} `}
                {layer.createdBy.length ? <Text color={theme.accent}>← {layer.createdBy.join(', ')} </Text> : null}
                {layer.missing ? <Text color={theme.error}>[missing] </Text> : null}
                {layer.unreferenced ? <Text color={theme.error}>[no snapshot refers to it]</Text> : null}
              </Text>
              {/* The path is cut in its middle: the directory's start and the file name stay readable. */}
              <Box paddingLeft={5}>
                <Text wrap="truncate-middle" color={theme.muted}>
                  {layer.source}
                  {layer.format ? ` (${layer.format})` : ''}
                </Text>
              </Box>
            </Box>
          ))}
          {disk.strays.map((stray) => (
            // The label never gets cut: a stray file must not read as a layer of the chain.
            <Box key={`${stray.snapshot}-${stray.path}`}>
              <Box flexShrink={0}>
                <Text color={theme.error}>not in chain: </Text>
              </Box>
              <Text color={theme.error} wrap="truncate-middle">
                {stray.path} (snapshot {stray.snapshot}){stray.missing ? ' [missing]' : ''}
              </Text>
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}
