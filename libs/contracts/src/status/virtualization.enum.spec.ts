import {
  toSlaVirtualization,
  toStoredVirtualization,
  VIRTUALIZATION_NAME_PATTERN,
} from './virtualization.enum';

describe('virtualization names', () => {
  it('stores container as docker and shows docker as container', () => {
    expect(toStoredVirtualization('container')).toBe('docker');
    expect(toStoredVirtualization('unikernel')).toBe('unikernel');
    expect(toStoredVirtualization('runsc')).toBe('runsc');
    expect(toSlaVirtualization('docker')).toBe('container');
    expect(toSlaVirtualization('crosvm')).toBe('crosvm');
  });

  it.each(['container', 'docker', 'unikernel', 'crosvm', 'vm', 'runsc', 'io.containerd.kata.v2'])(
    'accepts %s',
    (name) => {
      expect(VIRTUALIZATION_NAME_PATTERN.test(name)).toBe(true);
    },
  );

  it.each(['', ' docker', 'a/b', '-x', 'x'.repeat(64)])('rejects %j', (name) => {
    expect(VIRTUALIZATION_NAME_PATTERN.test(name)).toBe(false);
  });
});
