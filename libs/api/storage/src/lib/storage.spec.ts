import { storage } from './storage';

describe('storage', () => {
  it('should work', () => {
    expect(storage()).toEqual('storage');
  });
});
