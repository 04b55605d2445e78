import { remotePathProblem } from './remote-asset-client';

describe('remotePathProblem (a remote listing is not trusted)', () => {
  it.each([
    ['', 'a.txt'],
    ['docs', 'a.txt'],
    ['docs/v1.2', 'setup (x64).exe'],
    ['', 'é.txt'],
  ])('accepts %j / %j', (parent, name) => {
    expect(remotePathProblem(parent, name)).toBeUndefined();
  });

  it.each([
    ['', '', /empty name/],
    ['', '..', /not allowed as a path segment/],
    ['', '.', /not allowed as a path segment/],
    ['a/../..', 'x.txt', /not allowed as a path segment/],
    ['/etc', 'passwd', /absolute/],
    ['\\\\server', 'share', /absolute/],
    ['a//b', 'x', /empty segment/],
    ['a/', 'x', /empty segment/],
    ['', 'a/b.txt', /contains "\/"/],
    ['', 'c:\\windows', /"\\" is not allowed/],
    ['', 'bell\u0007.txt', /control characters/],
    ['docs\u0000', 'x', /control characters/],
    ['', 'x'.repeat(256), /longer than 255 bytes/],
    ['y'.repeat(200).concat('/').repeat(11).slice(0, -1), 'x', /longer than 2048 bytes/],
  ])('refuses %j / %j', (parent, name, reason) => {
    expect(remotePathProblem(parent, name)).toMatch(reason);
  });
});
