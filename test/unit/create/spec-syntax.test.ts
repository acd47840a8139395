// --memspec / --diskspec read exactly as virsh's snapshot-create-as reads them.

import { describe, expect, it } from 'vitest';
import { diskspec, memspec } from '../../../src/engine/create/plan-commands.js';
import { parseDiskspec, parseMemspec, splitSpec, SpecSyntaxError } from '../../../src/engine/create/spec-syntax.js';
import { escapeSpecValue } from '../../../src/engine/virsh/commands.js';

describe('splitSpec (vshStringToArray)', () => {
  it.each([
    ['a,b', ['a', 'b']],
    ['a,,b', ['a,b']],
    ['a,,,b', ['a,', 'b']],
    ['a,,,,b', ['a,,b']],
    ['a,', ['a', '']],
    ['a,,', ['a,']],
    [',a', ['', 'a']],
    [',,a', [',a']],
    ['vda', ['vda']],
  ])('%s → %j', (spec, fields) => {
    expect(splitSpec(spec)).toEqual(fields);
  });

  it('reads back any escaped value unchanged', () => {
    for (const value of ['plain', 'a,b', ',lead', 'trail,', 'x,,y', ',', ',,,', 'sp ace, ü,"\'']) {
      expect(splitSpec(`k=${escapeSpecValue(value)},z=1`)).toEqual([`k=${value}`, 'z=1']);
    }
  });
});

describe('parseMemspec', () => {
  it('takes file= and snapshot= in either order', () => {
    expect(parseMemspec('file=/var/m.mem,snapshot=external')).toEqual({ mode: 'external', file: '/var/m.mem' });
    expect(parseMemspec('snapshot=external,file=/var/m.mem')).toEqual({ mode: 'external', file: '/var/m.mem' });
  });

  it('takes a bare absolute path as the file, and makes it external as libvirt does', () => {
    expect(parseMemspec('/images/vm one.mem')).toEqual({ mode: 'external', file: '/images/vm one.mem' });
  });

  it('takes a mode alone', () => {
    expect(parseMemspec('snapshot=no')).toEqual({ mode: 'no' });
    expect(parseMemspec('snapshot=internal')).toEqual({ mode: 'internal' });
  });

  it('unescapes ,, inside a path', () => {
    expect(parseMemspec('file=/tmp/a,,b.mem,snapshot=external')).toEqual({ mode: 'external', file: '/tmp/a,b.mem' });
  });

  it('keeps unicode, quotes and a leading - in the path', () => {
    expect(parseMemspec(`file=-x/ü "q" 'r'.mem`)).toEqual({ mode: 'external', file: `-x/ü "q" 'r'.mem` });
  });

  it.each([
    ['', /empty/],
    ['relative.mem', /'relative.mem' is not file=PATH/],
    ['snapshot=bogus,file=/m', /snapshot= is 'bogus'; expected one of no, internal, external/],
    ['snapshot=,file=/m', /snapshot= is an empty value/],
    ['file=/a,file=/b', /repeats/],
    ['/a,/b', /repeats/],
    ['snapshot=no,snapshot=no', /repeats/],
    ['file=', /file= needs a path/],
    ['file=/a,b', /'b' is not file=PATH.*',,'/],
    ['snapshot=manual', /expected one of no, internal, external/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseMemspec(spec)).toThrow(SpecSyntaxError);
    expect(() => parseMemspec(spec)).toThrow(message);
  });

  it('names the option and the spec in the error', () => {
    expect(() => parseMemspec('nope')).toThrow("unable to parse memspec 'nope'");
  });
});

describe('parseDiskspec', () => {
  it('takes a disk alone', () => {
    expect(parseDiskspec('vda')).toEqual({ target: 'vda' });
  });

  it('takes every setting', () => {
    expect(parseDiskspec('vdb,snapshot=external,driver=qcow2,stype=file,file=/ov/vdb.qcow2')).toEqual({
      target: 'vdb',
      mode: 'external',
      driverType: 'qcow2',
      sourceType: 'file',
      file: '/ov/vdb.qcow2',
    });
    expect(parseDiskspec('sda,stype=block,file=/dev/vg/snap')).toEqual({ target: 'sda', sourceType: 'block', file: '/dev/vg/snap' });
    expect(parseDiskspec('vdb,snapshot=no')).toEqual({ target: 'vdb', mode: 'no' });
    expect(parseDiskspec('vda,snapshot=manual')).toEqual({ target: 'vda', mode: 'manual' });
  });

  it('leaves the mode unset when not written (libvirt picks)', () => {
    expect(parseDiskspec('vda,file=/x.qcow2')).toEqual({ target: 'vda', file: '/x.qcow2' });
  });

  it('unescapes ,, and keeps spaces, unicode, quotes and a leading -', () => {
    expect(parseDiskspec('vda,file=/tmp/a,,b c/ü\'"-.qcow2')).toEqual({ target: 'vda', file: '/tmp/a,b c/ü\'"-.qcow2' });
    expect(parseDiskspec('vda,file=-rf')).toEqual({ target: 'vda', file: '-rf' });
    expect(parseDiskspec('vda,file=/x,,')).toEqual({ target: 'vda', file: '/x,' });
  });

  it.each([
    ['', /does not start with a disk name/],
    [',snapshot=no', /does not start with a disk name/],
    ['vda,snapshot=sometimes', /snapshot= is 'sometimes'/],
    ['vda,stype=network', /stype= \(storage type\) is 'network'; expected one of file, block/],
    ['vda,file=/a,file=/b', /file= is given twice/],
    ['vda,snapshot=no,snapshot=no', /snapshot= is given twice/],
    ['vda,bogus=1', /'bogus=1' is not snapshot=, driver=, stype= or file=/],
    ['vda,/bare/path', /'\/bare\/path' is not/],
    ['vda,file=', /file= needs a path/],
    ['vda,driver=', /driver= needs an image format/],
    ['vda,', /'' is not/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseDiskspec(spec)).toThrow(SpecSyntaxError);
    expect(() => parseDiskspec(spec)).toThrow(message);
  });

  it('reads the specs the planner writes back into the same request', () => {
    for (const spec of ['vda', 'vda,snapshot=external,driver=qcow2,stype=block,file=/a,,b', 'vdb,snapshot=no', ',,odd,file=,,x,,']) {
      const disk = parseDiskspec(spec);
      expect(parseDiskspec(diskspec(disk))).toEqual(disk);
    }
    const memory = parseMemspec('file=/m,,x ü,snapshot=external');
    expect(parseMemspec(memspec(memory))).toEqual(memory);
  });
});
