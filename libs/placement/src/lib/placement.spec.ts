import { placement } from './placement';

describe('placement', () => {
  it('should work', () => {
    expect(placement()).toEqual('placement');
  })
})
