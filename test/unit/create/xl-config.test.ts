// Xen xl snapshot configuration (xen-devel "domain snapshot design: xl") into a CreateRequest.

import { describe, expect, it } from 'vitest';
import { parseXlConfig, XlConfigError } from '../../../src/engine/create/xl-config.js';

describe('parseXlConfig', () => {
  it('reads the design example: external and internal disks, memory path', () => {
    const text = `#snapshot name
name="snap1"
description="before upgrade"
memory_path="/var/lib/xen/snap1.mem"
disks=['/tmp/hda_snapshot.qcow2,qcow2,hda', ',,hdb',]
`;
    expect(parseXlConfig(text)).toEqual({
      name: 'snap1',
      description: 'before upgrade',
      memory: { mode: 'external', file: '/var/lib/xen/snap1.mem' },
      disks: [
        { target: 'hda', mode: 'external', file: '/tmp/hda_snapshot.qcow2', driverType: 'qcow2' },
        { target: 'hdb', mode: 'internal' },
      ],
      flags: {},
    });
  });

  it('treats empty name, description and memory_path as absent (generated name, no description)', () => {
    expect(parseXlConfig('name=""\ndescription=""\nmemory_path=""\n')).toEqual({ disks: [], flags: {} });
  });

  it('leaves the format unset when only a path is given (qcow2 by default)', () => {
    expect(parseXlConfig("disks=['/ov/a.qcow2,,vda']").disks).toEqual([{ target: 'vda', mode: 'external', file: '/ov/a.qcow2' }]);
  });

  it('reads memory = 0 as no memory state', () => {
    expect(parseXlConfig('memory = 0').memory).toEqual({ mode: 'no' });
    expect(parseXlConfig('memory = 1; memory_path = "/m"').memory).toEqual({ mode: 'external', file: '/m' });
  });

  it('accepts lists over several lines, comments, ; separators and both quote styles', () => {
    const text = `name = 'a "quoted" ü name' ; description = "it's \\"fine\\"\\t\\x41\\101" # trailing comment
disks = [
  '/images/my disk.qcow2,qcow2,vda',   # a path with a space
  ",,vdb"
]`;
    const request = parseXlConfig(text);
    expect(request.name).toBe('a "quoted" ü name');
    expect(request.description).toBe('it\'s "fine"\tAA');
    expect(request.disks.map((d) => d.target)).toEqual(['vda', 'vdb']);
    expect(request.disks[0]!.file).toBe('/images/my disk.qcow2');
  });

  it('keeps a leading - in a name', () => {
    expect(parseXlConfig('name="-rf"').name).toBe('-rf');
  });

  it.each([
    ['name="a"\nbogus="x"\n', 2, /unknown setting 'bogus'/],
    ['name="a"\n\nname="b"\n', 3, /'name' is set twice \(first on line 1\)/],
    ['name=unquoted\n', 1, /expected a value .* found 'unquoted'/],
    ['name="open\n', 1, /unterminated string/],
    ['\n\ndisks=["/a,qcow2"]\n', 3, /three comma-separated fields/],
    ['disks=[",qcow2,vda"]', 1, /gives a format but no path/],
    ['disks=["/a,qcow2,"]', 1, /names no target device/],
    ['disks=[",,vda",\n",,vda"]', 2, /disk 'vda' is listed twice/],
    ['disks="/a,qcow2,vda"', 1, /'disks' must be a list/],
    ['name=["a"]', 1, /'name' must be a quoted string/],
    ['memory=2', 1, /'memory' must be 0 or 1/],
    ['memory=1\n', 1, /'memory = 1' needs memory_path/],
    ['memory=0\nmemory_path="/m"', 2, /memory_path is set but 'memory = 0'/],
    ['name "a"', 1, /expected '=' after name/],
    ['name="a" "b"', 1, /expected the end of the setting/],
    ['disks=[",,vda" ",,vdb"]', 1, /expected ',' or '\]' in the list/],
    ['name="a\\q"', 1, /invalid escape sequence \\q/],
    ['name += "a"', 1, /'\+=' is not supported/],
    ['name = "a" $', 1, /unexpected character '\$'/],
  ])('rejects %j at line %i', (text, line, message) => {
    let caught: unknown;
    try {
      parseXlConfig(text, 'snap.cfg');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(XlConfigError);
    expect((caught as XlConfigError).line).toBe(line);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message.startsWith(`snap.cfg:${line}: `)).toBe(true);
  });
});
