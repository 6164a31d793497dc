import {
  commandAddressError,
  decideDeploy,
  decideUndeploy,
  parseJobDocument,
} from './instance-commands.rules';

describe('instance command rules', () => {
  it.each<[number | null, number, string]>([
    [null, 0, 'apply'],
    [0, 1, 'apply'],
    [1, 1, 'duplicate'],
    [2, 1, 'stale'],
  ])('deploy: stored %p, command generation %p → %s', (stored, generation, expected) => {
    expect(decideDeploy(stored === null ? null : { generation: stored }, { generation })).toBe(
      expected,
    );
  });

  it.each<[number | null, number, number, string]>([
    [null, 3, 0, 'absent'],
    [0, 3, 0, 'remove'],
    [0, 3, 1, 'remove'],
    [2, 3, 1, 'stale'],
    [5, -1, 0, 'remove_service'],
    [null, -1, 0, 'remove_service'],
  ])(
    'undeploy: stored %p, instance %p, command generation %p → %s',
    (stored, instance_number, generation, expected) => {
      expect(
        decideUndeploy(stored === null ? null : { generation: stored }, {
          instance_number,
          generation,
        }),
      ).toBe(expected);
    },
  );

  it('parses job documents', () => {
    expect(parseJobDocument('{"job_name":"a.b.c.d"}')).toEqual({
      ok: true,
      job: { job_name: 'a.b.c.d' },
    });
    expect(parseJobDocument('x')).toEqual({ ok: false, error: 'job is not valid JSON' });
    expect(parseJobDocument('[1]')).toEqual({ ok: false, error: 'job must be a JSON object' });
  });

  it.each([
    [{ service_id: '', instance_number: 0, generation: 0 }, 'service_id'],
    [{ service_id: 'a/b', instance_number: 0, generation: 0 }, 'service_id'],
    [{ service_id: 'abc', instance_number: -2, generation: 0 }, 'instance_number'],
    [{ service_id: 'abc', instance_number: 1.5, generation: 0 }, 'instance_number'],
    [{ service_id: 'abc', instance_number: 0, generation: -1 }, 'generation'],
  ])('refuses malformed addressing %j', (command, field) => {
    expect(commandAddressError(command)).toContain(field);
  });

  it('accepts well-formed addressing, including -1 = all', () => {
    expect(commandAddressError({ service_id: 'abc', instance_number: -1, generation: 0 })).toBe(
      undefined,
    );
  });
});
