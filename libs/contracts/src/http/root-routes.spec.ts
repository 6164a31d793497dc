import { RootRoute, rootPath } from './root-routes';

describe(rootPath.name, () => {
  it('fills and encodes parameters', () => {
    expect(
      rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, { serviceid: 'abc', instance_number: -1 }),
    ).toBe('/api/service/abc/instance/-1');
    expect(rootPath(RootRoute.USER, { username: 'a b/c' })).toBe('/api/user/a%20b%2Fc');
    expect(rootPath(RootRoute.APPLICATION_CREATE)).toBe('/api/application/');
  });

  it('refuses a missing parameter', () => {
    expect(() => rootPath(RootRoute.APPLICATION)).toThrow(RangeError);
  });

  it("keeps Oakestra's paths", () => {
    expect(Object.values(RootRoute).every((route) => route.startsWith('/api/'))).toBe(true);
    expect(RootRoute.AUTH_LOGIN).toBe('/api/auth/login');
    expect(RootRoute.SERVICE_CREATE).toBe('/api/service/');
  });
});
