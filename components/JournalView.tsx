import { Box, Text } from 'ink';
import type { FlowRecord } from '../src/engine/flows/journal.js';
import type { JournalView as View } from '../src/store/flow-actions.js';
import { modalHints } from './keymap.js';
import type { Theme } from './theme.js';
import { flowRecordLines, journalTime } from './UnfinishedFlows.js';
import { wrapAll } from './wrap-lines.js';

/** Rows of details shown under the list for the selected flow. */
const DETAIL_ROWS = 4;

const statusOf = (flow: FlowRecord) => (flow.end ? flow.end.status : 'UNFINISHED');

function row(flow: FlowRecord): string {
  const steps = `${flow.done.length}/${flow.begin.steps.length}`;
  return `${journalTime(flow.begin.at)}  ${flow.begin.kind.padEnd(10)} ${flow.begin.domain.padEnd(14)} ${statusOf(flow).padEnd(11)} ${steps.padStart(5)}  ${flow.begin.title}`;
}

export function JournalView({ view, theme, height, width }: { view: View; theme: Theme; height: number; width: number }) {
  const inner = Math.max(10, width - 4);
  const selected = view.flows[view.index];
  const footer = view.hint ? wrapAll([{ text: view.hint, color: theme.error }], inner) : [{ text: modalHints('journal'), color: theme.muted }];
  const listRows = Math.max(1, height - 2 - 2 - DETAIL_ROWS - 1 - footer.length);
  const start = Math.max(0, Math.min(view.index - Math.floor(listRows / 2), view.flows.length - listRows));
  const shown = view.flows.slice(start, start + listRows);
  const details = selected ? wrapAll(flowRecordLines(selected, theme), inner).slice(0, DETAIL_ROWS) : [];
  return (
    <Box flexDirection="column" borderStyle="double" paddingX={1} height={height} overflow="hidden">
      <Text bold color={theme.accent} wrap="truncate-end">
        Journal of flows, newest first ({view.flows.length})
      </Text>
      <Text color={theme.muted} wrap="truncate-end">
        {' '}
        {'time (UTC)'.padEnd(19)}  {'kind'.padEnd(10)} {'domain'.padEnd(14)} {'status'.padEnd(11)} {'steps'.padStart(5)}  title
      </Text>
      <Box flexDirection="column" height={listRows} flexShrink={0} overflow="hidden">
        {view.flows.length === 0 && <Text color={theme.muted}>no flow has been journaled yet</Text>}
        {shown.map((flow, offset) => {
          const isSelected = start + offset === view.index;
          return (
            <Text key={flow.id} wrap="truncate-end" inverse={isSelected} color={flow.end === null ? theme.error : undefined}>
              {isSelected ? '>' : ' '}
              {row(flow)}
            </Text>
          );
        })}
      </Box>
      <Text color={theme.muted} wrap="truncate-end">
        {'─'.repeat(Math.min(inner, 40))}
      </Text>
      <Box flexDirection="column" height={DETAIL_ROWS} flexShrink={0} overflow="hidden">
        {details.map((line, index) => (
          <Text key={index} wrap="truncate-end" color={line.color} bold={line.bold}>
            {line.text}
          </Text>
        ))}
      </Box>
      {footer.map((line, index) => (
        <Text key={index} wrap="truncate-end" color={line.color}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
