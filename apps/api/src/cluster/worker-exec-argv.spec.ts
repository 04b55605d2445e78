import { workerExecArgv } from './cluster-primary';

describe('workerExecArgv: the node flags of a cluster worker', () => {
  it("adds a small young generation to the primary's flags", () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', '--max-semi-space-size=4']);
  });

  it("keeps the operator's own semi-space size, from the command or NODE_OPTIONS", () => {
    expect(workerExecArgv(['--max-semi-space-size=16'])).toEqual(['--max-semi-space-size=16']);
    expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=8')).toEqual([]);
  });
});
