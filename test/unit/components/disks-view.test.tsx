// The disks view in a narrow pane: labels are never cut, paths are cut in their middle so the
// file name stays readable, and no line is wider than the pane.

import { render } from 'ink-testing-library';
import { Box } from 'ink';
import { expect, it } from 'vitest';
import { DisksView } from '../../../components/DisksView.js';
import { themeFor } from '../../../components/theme.js';
import type { DiskReport } from '../../../src/engine/disk-report.js';

const DIR = '/var/lib/libvirt/images/very/long/directory/name/for/the/guests';

const report: DiskReport = {
  target: 'vda',
  device: 'disk',
  layers: [
    { source: `${DIR}/web-vda.after-upgrade.qcow2`, type: 'file', index: 2, format: 'qcow2', allocation: 1 << 20, capacity: 1 << 30, physical: null, createdBy: ['after upgrade'], missing: false, unreferenced: false },
    { source: `${DIR}/web-vda.qcow2`, type: 'file', index: 1, format: 'qcow2', allocation: 1 << 29, capacity: 1 << 30, physical: null, createdBy: [], missing: false, unreferenced: false },
  ],
  strays: [{ path: `${DIR}/web-vda.old-branch.qcow2`, snapshot: 'old branch', missing: false }],
};

it('keeps labels whole and the ends of file names visible at 40 columns', () => {
  const { lastFrame } = render(
    <Box width={40} flexDirection="column">
      <DisksView reports={[report]} theme={themeFor({ NO_COLOR: '1' })} />
    </Box>,
  );
  const lines = lastFrame()!.split('\n');
  for (const line of lines) expect([...line].length).toBeLessThanOrEqual(40);
  const stray = lines.find((l) => l.includes('not in chain'))!;
  expect(stray.startsWith('not in chain: /var')).toBe(true);
  expect(stray).toContain('…');
  expect(stray).toMatch(/\)$/);
  // the layer's path: indented under its bar, both its start and its file name's end kept
  const top = lines.find((l) => l.startsWith('     /var') && l.includes('ade.qcow2 (qcow2)'));
  expect(top).toBeDefined();
});
