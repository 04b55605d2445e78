import type { UploadEntry } from './upload-queue';

/**
 * The files of a drop, folders walked recursively; relative paths keep the structure
 * (`folder/sub/a.txt`). Call it synchronously from the drop handler: the item list is read before
 * the first `await` (the browser empties the DataTransfer once the event is over).
 */
export function readDroppedEntries(dataTransfer: DataTransfer): Promise<UploadEntry[]> {
  const roots: FileSystemEntry[] = [];
  const items = dataTransfer.items ? Array.from(dataTransfer.items) : [];
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) roots.push(entry);
  }
  // No entry API (or a synthetic drop): the plain file list, without folders.
  const files = Array.from(dataTransfer.files ?? []);
  if (roots.length === 0) return Promise.resolve(files.map((file) => ({ file, relativePath: file.name })));
  return collect(roots);
}

/** The files of an `<input type=file>` (with `webkitdirectory`, their folder paths). */
export function entriesFromInput(files: FileList): UploadEntry[] {
  return Array.from(files, (file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}

async function collect(roots: FileSystemEntry[]): Promise<UploadEntry[]> {
  const out: UploadEntry[] = [];
  // Depth-first with an explicit stack: deep trees do not grow the call stack.
  const stack: { entry: FileSystemEntry; path: string }[] = roots
    .map((entry) => ({ entry, path: entry.name }))
    .reverse();
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { entry, path } = next;
    if (isFile(entry)) {
      out.push({ file: await fileOf(entry), relativePath: path });
    } else if (isDirectory(entry)) {
      const children = await readAll(entry);
      // An empty folder has no file to upload: it is not created (the API creates folders by uploads).
      for (const child of children.reverse()) stack.push({ entry: child, path: `${path}/${child.name}` });
    }
  }
  return out;
}

function isFile(entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile;
}

function isDirectory(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** `readEntries` answers in batches (100 in Chromium): call it until it answers an empty one. */
async function readAll(directory: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = directory.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}
