import { kindOf, naturalCompare } from './entries';

describe('entries', () => {
  it('orders names naturally', () => {
    const names = ['file10', 'file2', 'file1', 'file02b', 'a', 'file'];
    expect(names.sort(naturalCompare)).toEqual(['a', 'file', 'file1', 'file2', 'file02b', 'file10']);
  });

  it('picks an icon by media type', () => {
    expect(kindOf('dir')).toBe('folder');
    expect(kindOf('image/png')).toBe('image');
    expect(kindOf('application/zip')).toBe('archive');
    expect(kindOf('application/gzip')).toBe('archive');
    expect(kindOf('text/plain')).toBe('text');
    expect(kindOf('application/json')).toBe('text');
    expect(kindOf('application/octet-stream')).toBe('file');
  });
});
