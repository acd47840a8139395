import { Box, Text } from 'ink';
import type { BlockJobEvent } from '../src/engine/jobs/block-job-types.js';
import { BLOCK_BAR, formatPercent, jobAmounts, progressBar } from '../src/format/progress.js';
import { jobKey } from '../src/store/job-actions.js';
import type { Theme } from './theme.js';
import { useAppStore } from './use-app-store.js';

const BAR = 20;

/**
 * Two rows per job (the panel's height allows for them): the bar, then the bytes, rate and time
 * left, which an 80-column line cannot also hold; the not-converging warning takes the second row.
 */
function JobLine({ job, theme }: { job: BlockJobEvent; theme: Theme }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate-end">
        {job.domain} {job.disk} {job.type}{' '}
        {job.phase === 'ready' ? <Text color={theme.current}>ready: p pivots</Text> : <Text>{job.phase}</Text>}{' '}
        <Text color={job.phase === 'ready' ? theme.current : undefined}>
          {progressBar(job.percent, BAR, BLOCK_BAR)} {formatPercent(job.percent, 1)}
        </Text>
      </Text>
      {job.converging === false ? (
        <Text color={theme.error} wrap="truncate-end">
          {'  '}not converging: the guest writes faster than the job copies; raise the limit (virtsnap job --bandwidth) or abort (a)
        </Text>
      ) : (
        <Text color={theme.muted} wrap="truncate-end">
          {'  '}
          {jobAmounts(job)}
          {job.message && job.phase === 'running' ? `  ${job.message}` : ''}
        </Text>
      )}
    </Box>
  );
}

/** Running jobs with live bars, then the last finished ones. */
export function JobsPanel({ theme, height }: { theme: Theme; height: number }) {
  const jobs = useAppStore((s) => s.jobs);
  const log = useAppStore((s) => s.jobLog);
  const running = Object.values(jobs).sort((a, b) => jobKey(a).localeCompare(jobKey(b)));
  const room = Math.max(0, height - 3 - running.length);
  return (
    <Box flexDirection="column" borderStyle="single" height={height} overflow="hidden">
      <Text bold color={theme.accent}>
        block jobs: {running.length} running
      </Text>
      {running.map((job) => (
        <JobLine key={jobKey(job)} job={job} theme={theme} />
      ))}
      {log.slice(0, room).map((job) => (
        <Text key={`${jobKey(job)}-${job.at}`} color={theme.muted} wrap="truncate-end">
          {new Date(job.at).toISOString().slice(11, 19)} {job.domain} {job.disk} {job.type} {job.phase}
          {job.message ? `: ${job.message}` : ''}
        </Text>
      ))}
    </Box>
  );
}
