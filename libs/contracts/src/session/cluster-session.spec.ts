import {
  ALL_INSTANCES,
  deployCommandId,
  formatClusterGreeting,
  instanceKey,
  parseClusterGreeting,
  undeployCommandId,
} from './cluster-session';

describe('cluster session helpers', () => {
  const id = '665f1c2e9b1e8a0012345678';

  it('builds deterministic keys and command ids', () => {
    expect(instanceKey(id, 3)).toBe(`${id}/3`);
    expect(deployCommandId(id, 3, 2)).toBe(`deploy.${id}.3.2`);
    expect(undeployCommandId(id, 3, 2)).toBe(`undeploy.${id}.3.2`);
    expect(undeployCommandId(id, ALL_INSTANCES, 0)).toBe(`undeploy.${id}.all.0`);
  });

  it('round-trips the greeting', () => {
    const text = formatClusterGreeting({ cluster_name: 'c1', location: '48.1,11.5,10' });
    expect(JSON.parse(text)).toEqual({ cluster_name: 'c1', location: '48.1,11.5,10' });
    expect(parseClusterGreeting(text)).toEqual({
      ok: true,
      value: { cluster_name: 'c1', location: '48.1,11.5,10' },
    });
  });

  it('accepts a greeting without location (Oakestra clusters may omit it)', () => {
    expect(parseClusterGreeting('{"cluster_name":"c1"}')).toEqual({
      ok: true,
      value: { cluster_name: 'c1', location: '' },
    });
  });

  it.each([
    ['not json', 'must be JSON'],
    ['[]', 'must be a JSON object'],
    ['{"location":"1,2,3"}', 'cluster_name must be a non-empty string'],
    ['{"cluster_name":"c","location":5}', 'location must be a string'],
  ])('refuses %s', (text, message) => {
    const result = parseClusterGreeting(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });
});
