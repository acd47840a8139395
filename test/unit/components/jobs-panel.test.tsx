// The jobs panel shows the merge this TUI runs as one labelled group: its title, and where each
// disk stands while they run one after another.

import { Box } from 'ink';
import { render } from 'ink-testing-library';
import { expect, it } from 'vitest';
import { JobsPanel } from '../../../components/JobsPanel.js';
import { themeFor } from '../../../components/theme.js';
import { AppStoreContext } from '../../../components/use-app-store.js';
import type { BlockJobEvent } from '../../../src/engine/jobs/block-job-types.js';
import { runDiskStatuses, type MergeRunView } from '../../../src/store/merge-actions.js';
import { recordedStore } from '../store/helpers.js';

const T0 = 1_800_000_000_000;
const job = (disk: string, phase: BlockJobEvent['phase'], percent: number, at: number): BlockJobEvent => ({
  domain: 'vm1',
  disk,
  type: 'active-commit',
  cur: percent,
  end: 100,
  percent,
  bandwidth: 0,
  rate: null,
  eta: null,
  phase,
  converging: null,
  at,
});
const run: MergeRunView = { domain: 'vm1', disks: ['vda', 'vdb', 'vdc'], title: 'Merge vm1 (all disks) from “e1”', startedAt: T0 };

it('tells each disk of a run apart: ended since it began, running, or still waiting', () => {
  const jobs = { 'vm1/vdb': job('vdb', 'running', 42.7, T0 + 2000) };
  // vda ended before this run began (an older job of the same disk): not this run's
  const log = [job('vda', 'completed', 100, T0 + 1000), job('vdc', 'failed', 3, T0 - 5000)];
  expect(runDiskStatuses(run, jobs, log)).toEqual([
    { disk: 'vda', status: 'completed', percent: null },
    { disk: 'vdb', status: 'running', percent: 42.7 },
    { disk: 'vdc', status: 'waiting', percent: null },
  ]);
});

it('draws the run as one group above its jobs, within 80 columns', () => {
  const { store } = recordedStore();
  const jobs = { 'vm1/vdb': job('vdb', 'running', 42.7, T0 + 2000) };
  store.setState({ mergeRun: run, jobs, jobLog: [job('vda', 'completed', 100, T0 + 1000)] });
  const { lastFrame } = render(
    <AppStoreContext.Provider value={store}>
      <Box width={80} flexDirection="column">
        <JobsPanel theme={themeFor({ NO_COLOR: '1' })} height={10} />
      </Box>
    </AppStoreContext.Provider>,
  );
  const lines = lastFrame()!.split('\n');
  const title = lines.findIndex((l) => l.includes('Merge vm1 (all disks) from “e1” (1 of 3 disks done)'));
  expect(title).toBeGreaterThan(0);
  expect(lines[title + 1]).toMatch(/✓ vda completed\s+▸ vdb running 42 %\s+· vdc waiting/);
  // the running job's own bar follows the group
  expect(lines.slice(title + 2).some((l) => l.includes('vm1 vdb active-commit running'))).toBe(true);
  for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
  store.setState({ mergeRun: null });
});
