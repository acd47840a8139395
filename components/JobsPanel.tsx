import { Box, Text } from 'ink';
import type { BlockJobEvent } from '../src/engine/jobs/block-job-types.js';
import { BLOCK_BAR, formatPercent, jobAmounts, progressBar } from '../src/format/progress.js';
import { jobKey } from '../src/store/job-actions.js';
import { runDiskStatuses, type MergeRunView, type RunDiskStatus } from '../src/store/merge-actions.js';
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

const STATUS_MARK: Record<RunDiskStatus['status'], string> = {
  waiting: '·',
  running: '▸',
  ready: '▸',
  completed: '✓',
  failed: '✗',
  aborted: '✗',
};

/**
 * The merge, flatten or copy this TUI runs, as one group: its title, then where each of its
 * disks stands (one after another: done, the one running, those still waiting).
 */
function RunHeader({ run, statuses, theme }: { run: MergeRunView; statuses: RunDiskStatus[]; theme: Theme }) {
  const done = statuses.filter((d) => d.status === 'completed').length;
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text wrap="truncate-end" bold>
        {run.title}
        {statuses.length > 1 ? <Text color={theme.muted}>{` (${done} of ${statuses.length} disks done)`}</Text> : null}
      </Text>
      {statuses.length > 1 ? (
        <Text wrap="truncate-end">
          {'  '}
          {statuses.map((d, i) => (
            <Text key={d.disk} color={d.status === 'failed' || d.status === 'aborted' ? theme.error : d.status === 'waiting' ? theme.muted : undefined}>
              {i > 0 ? '  ' : ''}
              {STATUS_MARK[d.status]} {d.disk} {d.status}
              {d.percent !== null && d.status === 'running' ? ` ${Math.floor(d.percent)} %` : ''}
            </Text>
          ))}
        </Text>
      ) : null}
    </Box>
  );
}

/** The run this TUI started as a labelled group, running jobs with live bars, then the last finished ones. */
export function JobsPanel({ theme, height }: { theme: Theme; height: number }) {
  const jobs = useAppStore((s) => s.jobs);
  const log = useAppStore((s) => s.jobLog);
  const run = useAppStore((s) => s.mergeRun);
  const running = Object.values(jobs).sort((a, b) => jobKey(a).localeCompare(jobKey(b)));
  const statuses = run ? runDiskStatuses(run, jobs, log) : [];
  const headerRows = run ? (statuses.length > 1 ? 2 : 1) : 0;
  const room = Math.max(0, height - 3 - running.length * 2 - headerRows);
  return (
    <Box flexDirection="column" borderStyle="single" height={height} overflow="hidden">
      <Text bold color={theme.accent}>
        block jobs: {running.length} running
      </Text>
      {run ? <RunHeader run={run} statuses={statuses} theme={theme} /> : null}
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
