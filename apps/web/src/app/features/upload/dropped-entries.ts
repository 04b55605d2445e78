import type { UploadEntry } from './upload-queue';

/** Placeholder: the files of a drop, folders walked recursively (relative paths keep the structure). */
export async function readDroppedEntries(dataTransfer: DataTransfer): Promise<UploadEntry[]> {
  return Array.from(dataTransfer.files, (file) => ({ file, relativePath: file.name }));
}

/** Placeholder: the files of an `<input type=file>` (with `webkitdirectory`, their folder paths). */
export function entriesFromInput(files: FileList): UploadEntry[] {
  return Array.from(files, (file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}
