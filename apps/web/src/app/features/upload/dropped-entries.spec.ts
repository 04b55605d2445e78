import { entriesFromInput, readDroppedEntries } from './dropped-entries';

/** A minimal FileSystemEntry tree, as `webkitGetAsEntry()` gives it. */
function fileEntry(name: string, content = name): FileSystemFileEntry {
  return {
    name,
    isFile: true,
    isDirectory: false,
    file: (resolve: (file: File) => void) => resolve(new File([content], name)),
  } as unknown as FileSystemFileEntry;
}

function dirEntry(name: string, children: FileSystemEntry[], batch = 100): FileSystemDirectoryEntry {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let next = 0;
      return {
        readEntries: (resolve: (entries: FileSystemEntry[]) => void) => {
          // As Chromium: at most `batch` per call, then an empty answer.
          const slice = children.slice(next, next + batch);
          next += slice.length;
          setTimeout(() => resolve(slice));
        },
      };
    },
  } as unknown as FileSystemDirectoryEntry;
}

function transfer(entries: (FileSystemEntry | null)[], files: File[] = []): DataTransfer {
  return {
    items: entries.map((entry) => ({ kind: 'file', webkitGetAsEntry: () => entry })),
    files,
  } as unknown as DataTransfer;
}

describe('readDroppedEntries', () => {
  it('walks folders recursively, keeping relative paths, and reads every batch of a large folder', async () => {
    const many = Array.from({ length: 250 }, (_, i) => fileEntry(`f${String(i).padStart(3, '0')}.txt`));
    const dropped = transfer([
      fileEntry('top.txt'),
      dirEntry('folder', [fileEntry('a.txt'), dirEntry('sub', [fileEntry('b.txt')]), dirEntry('empty', [])]),
      dirEntry('many', many),
    ]);
    const entries = await readDroppedEntries(dropped);
    const paths = entries.map((e) => e.relativePath);
    expect(paths.slice(0, 3)).toEqual(['top.txt', 'folder/a.txt', 'folder/sub/b.txt']);
    expect(paths).toHaveLength(253);
    expect(paths[3]).toBe('many/f000.txt');
    expect(paths[252]).toBe('many/f249.txt');
    expect(entries[0].file.name).toBe('top.txt');
  });

  it('reads the items before the first await (the DataTransfer is emptied after the event)', async () => {
    const items = [{ kind: 'file', webkitGetAsEntry: () => fileEntry('a.txt') }];
    const dropped = { items, files: [] } as unknown as DataTransfer;
    const pending = readDroppedEntries(dropped);
    items.length = 0;
    expect((await pending).map((e) => e.relativePath)).toEqual(['a.txt']);
  });

  it('falls back to the file list when there are no entries', async () => {
    const file = new File(['x'], 'plain.txt');
    const entries = await readDroppedEntries(transfer([null], [file]));
    expect(entries).toEqual([{ file, relativePath: 'plain.txt' }]);
  });
});

describe('entriesFromInput', () => {
  it('uses webkitRelativePath when the input picked a folder', () => {
    const a = new File(['x'], 'a.txt');
    Object.defineProperty(a, 'webkitRelativePath', { value: 'folder/sub/a.txt' });
    const b = new File(['y'], 'b.txt');
    const list = [a, b] as unknown as FileList;
    expect(entriesFromInput(list).map((e) => e.relativePath)).toEqual(['folder/sub/a.txt', 'b.txt']);
  });
});
