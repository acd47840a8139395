import { expect, it } from 'vitest';
import { labRequired } from '../../integration/global-setup.js';

it('requires the real-QEMU lab in CI and when asked, and lets it skip elsewhere', () => {
  expect(labRequired({ CI: 'true' })).toBe(true);
  expect(labRequired({ CI: '1' })).toBe(true);
  expect(labRequired({ VIRTSNAP_REQUIRE_LAB: '1' })).toBe(true);
  expect(labRequired({})).toBe(false);
  expect(labRequired({ CI: 'false' })).toBe(false);
  expect(labRequired({ CI: '' })).toBe(false);
});
