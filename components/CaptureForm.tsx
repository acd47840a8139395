import { LineRow } from './LineRow.js';
import { Box, Text } from 'ink';
import { CAPTURE_FORM_TITLES, captureFieldText, captureFields, type CaptureForm as Form } from '../src/store/capture-actions.js';
import { modalHints } from './keymap.js';
import { TextField } from './TextField.js';
import type { Theme } from './theme.js';
import { wrapAll, type Line } from './wrap-lines.js';

/** What the form's method does, in a sentence, under its fields. */
function aboutText(form: Form): string {
  switch (form.kind) {
    case 'backup-snapshot':
      return `Freezes the file systems when the guest agent answers, takes a disk-only snapshot without metadata, thaws, copies each disk's frozen image (flattened) into the directory with the domain XML, then merges the overlay back (active commit, pivot): ${form.domain} ends on its own files.`;
    case 'backup-push':
      return form.incremental
        ? "libvirt's backup job copies only the clusters written since the checkpoint, and starts the next checkpoint."
        : "libvirt's backup job copies every disk and starts a checkpoint, from which incremental backups count.";
    case 'save':
      return `Writes ${form.domain}'s memory to the file and stops it until \`virtsnap restore FILE\`; keep the disks unchanged until then.`;
    case 'manual-snapshot':
      return `libvirt saves ${form.domain}'s memory and leaves it PAUSED; you snapshot the chosen disks with your storage tools (their paths are shown), then confirm and it resumes. Cancelling resumes it too, and discards the snapshot. The other disks are left out.`;
    case 'managedsave':
      return form.remove
        ? `Removes ${form.domain}'s managed save image: its next start boots afresh.`
        : `libvirt keeps ${form.domain}'s memory and stops it; the next start resumes it.`;
  }
}

/** A capture method's form (backup, save, managed save); Enter shows the plan in the confirmation dialog. Fits 80×24. */
export function CaptureFormView({ form, theme, height, width }: { form: Form; theme: Theme; height: number; width: number }) {
  const inner = Math.max(20, width - 4);
  const fields = captureFields(form);
  const notes: Line[] = [{ text: aboutText(form), color: theme.muted }];
  if (form.note) notes.push({ text: form.note, color: theme.error });
  if (form.planning) notes.push({ text: 'planning… (reading the domain, its disks and its guest agent)', bold: true });
  if (form.error) notes.push({ text: form.error, color: theme.error });
  const inside = Math.max(4, height - 2);
  const noteRoom = Math.max(1, inside - 1 - fields.length - 1);
  const shownNotes = wrapAll(notes, inner).slice(-noteRoom);
  return (
    <Box flexDirection="column" borderStyle="double" borderColor={theme.accent} paddingX={1} height={height} overflow="hidden">
      <Box flexShrink={0} height={1}>
        <Text bold color={theme.accent} wrap="truncate-end">
          {CAPTURE_FORM_TITLES[form.kind]}: {form.domain}
        </Text>
      </Box>
      {fields.map((field) => {
        const focused = form.field === field;
        const label = `${focused ? '>' : ' '} ${captureFieldText(form, field)}`;
        return (
          <Box key={field} flexShrink={0} height={1}>
            {field === 'path' ? (
              <>
                <Text inverse={focused}>{label}</Text>
                <TextField line={form.path} width={Math.max(4, inner - label.length)} focused={focused} />
              </>
            ) : (
              <Text wrap="truncate-end" inverse={focused}>
                {label}
              </Text>
            )}
          </Box>
        );
      })}
      {shownNotes.map((line, index) => (
        <LineRow key={index} line={line} />
      ))}
      <Box flexGrow={1} />
      <LineRow line={{ text: modalHints('capture-form'), color: theme.muted }} />
    </Box>
  );
}
