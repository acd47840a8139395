// The create form as data: its fields, how keys change them, and the CreateRequest they
// describe. Pure, so the form's behaviour is testable without a terminal.

import type { CreateRequest, CreateRequestFlags, PlannerDomain } from '../engine/create/types.js';
import type { DiskSnapshotMode } from '../engine/model.js';
import { editLine, insertText, type LineInput } from './line-edit.js';

export const MEMORY_CHOICES = ['default', 'no', 'internal', 'external'] as const;
export const DISK_CHOICES = ['default', 'no', 'internal', 'external', 'manual'] as const;
export const FLAG_NAMES = ['diskOnly', 'live', 'atomic', 'quiesce', 'reuseExternal', 'halt', 'noMetadata'] as const;
export type FlagName = (typeof FLAG_NAMES)[number];

export const FLAG_LABELS: Record<FlagName, string> = {
  diskOnly: 'disk only',
  live: 'live (guest keeps running)',
  atomic: 'atomic',
  quiesce: 'quiesce (guest agent)',
  reuseExternal: 'reuse existing overlay files',
  halt: 'halt the domain afterwards',
  noMetadata: 'no metadata (libvirt forgets it)',
};

export type FormField =
  | { kind: 'text'; id: 'name' | 'description'; label: string }
  | { kind: 'choice'; id: 'memory'; label: string }
  | { kind: 'text'; id: 'memory-file'; label: string }
  | { kind: 'choice'; id: `disk:${string}`; label: string; target: string }
  | { kind: 'text'; id: `disk-file:${string}`; label: string; target: string }
  | { kind: 'flag'; id: FlagName; label: string }
  | { kind: 'submit'; id: 'submit'; label: string };

export interface CreateForm {
  domain: PlannerDomain;
  name: string;
  description: string;
  memory: (typeof MEMORY_CHOICES)[number];
  memoryFile: string;
  disks: Record<string, { mode: (typeof DISK_CHOICES)[number]; file: string }>;
  flags: Record<FlagName, boolean>;
  focus: number;
  /** Where the cursor is in the focused text field. */
  cursor: number;
}

/** Disks a snapshot can cover: not read-only, with an image. */
function snapshotDisks(domain: PlannerDomain) {
  return domain.disks.filter((d) => !d.readonly && d.source !== null);
}

export function newCreateForm(domain: PlannerDomain): CreateForm {
  const flags = Object.fromEntries(FLAG_NAMES.map((f) => [f, false])) as Record<FlagName, boolean>;
  return {
    domain,
    name: '',
    description: '',
    memory: 'default',
    memoryFile: '',
    disks: Object.fromEntries(snapshotDisks(domain).map((d) => [d.target, { mode: 'default' as const, file: '' }])),
    flags,
    focus: 0,
    cursor: 0,
  };
}

/** The fields shown now (file fields appear only for external modes). */
export function formFields(form: CreateForm): FormField[] {
  const fields: FormField[] = [
    { kind: 'text', id: 'name', label: 'name' },
    { kind: 'text', id: 'description', label: 'description' },
    { kind: 'choice', id: 'memory', label: 'memory' },
  ];
  if (form.memory === 'external') fields.push({ kind: 'text', id: 'memory-file', label: '  memory file' });
  for (const target of Object.keys(form.disks)) {
    fields.push({ kind: 'choice', id: `disk:${target}`, label: `disk ${target}`, target });
    if (form.disks[target]!.mode === 'external') fields.push({ kind: 'text', id: `disk-file:${target}`, label: `  ${target} overlay`, target });
  }
  for (const flag of FLAG_NAMES) fields.push({ kind: 'flag', id: flag, label: FLAG_LABELS[flag] });
  fields.push({ kind: 'submit', id: 'submit', label: 'Create' });
  return fields;
}

export function focusedField(form: CreateForm): FormField {
  const fields = formFields(form);
  return fields[Math.min(form.focus, fields.length - 1)]!;
}

export function moveFocus(form: CreateForm, delta: number): CreateForm {
  const count = formFields(form).length;
  const moved = { ...form, focus: (((form.focus + delta) % count) + count) % count };
  // A text field is entered with the cursor at the end of its text.
  return { ...moved, cursor: (textValue(moved) ?? '').length };
}

/** The focused text field's text, or null when the focus is not on a text field. */
export function textValue(form: CreateForm): string | null {
  const field = focusedField(form);
  if (field.kind !== 'text') return null;
  if (field.id === 'name') return form.name;
  if (field.id === 'description') return form.description;
  if (field.id === 'memory-file') return form.memoryFile;
  return 'target' in field ? form.disks[field.target]!.file : null;
}

/** The form with the focused text field's text replaced (and the cursor set). */
export function withTextValue(form: CreateForm, line: LineInput): CreateForm {
  const field = focusedField(form);
  if (field.kind !== 'text') return form;
  const value = line.text;
  const next = { ...form, cursor: line.cursor };
  if (field.id === 'name') return { ...next, name: value };
  if (field.id === 'description') return { ...next, description: value };
  if (field.id === 'memory-file') return { ...next, memoryFile: value };
  if (!('target' in field)) return form;
  const disk = form.disks[field.target]!;
  return { ...next, disks: { ...form.disks, [field.target]: { ...disk, file: value } } };
}

function cycle<T>(choices: readonly T[], current: T, delta: number): T {
  const index = choices.indexOf(current);
  return choices[(((index + delta) % choices.length) + choices.length) % choices.length]!;
}

/** ←/→ on a choice, space on a flag. */
export function changeFocused(form: CreateForm, delta: number): CreateForm {
  const field = focusedField(form);
  if (field.kind === 'choice' && field.id === 'memory') return { ...form, memory: cycle(MEMORY_CHOICES, form.memory, delta) };
  if (field.kind === 'choice') {
    const disk = form.disks[field.target]!;
    return { ...form, disks: { ...form.disks, [field.target]: { ...disk, mode: cycle(DISK_CHOICES, disk.mode, delta) } } };
  }
  if (field.kind === 'flag') return { ...form, flags: { ...form.flags, [field.id]: !form.flags[field.id] } };
  return form;
}

/** Typing into a text field at the cursor; `null` erases the character before it. */
export function editText(form: CreateForm, text: string | null): CreateForm {
  const value = textValue(form);
  if (value === null) return form;
  const line = { text: value, cursor: Math.min(form.cursor, value.length) };
  return withTextValue(form, text === null ? editLine(line, 'erase-back') : insertText(line, text));
}

export function formRequest(form: CreateForm): CreateRequest {
  const flags: CreateRequestFlags = {};
  for (const flag of FLAG_NAMES) if (form.flags[flag]) flags[flag] = true;
  return {
    name: form.name === '' ? undefined : form.name,
    description: form.description === '' ? undefined : form.description,
    memory:
      form.memory === 'default'
        ? undefined
        : { mode: form.memory, ...(form.memory === 'external' && form.memoryFile ? { file: form.memoryFile } : {}) },
    disks: Object.entries(form.disks)
      .filter(([, d]) => d.mode !== 'default')
      .map(([target, d]) => ({
        target,
        mode: d.mode as DiskSnapshotMode,
        ...(d.mode === 'external' && d.file ? { file: d.file } : {}),
      })),
    flags,
  };
}
