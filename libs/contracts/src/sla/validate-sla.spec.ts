import { SLA_EXAMPLE, SLA_UNIKERNEL_EXAMPLE, slaExample } from './sla.fixtures';
import { validateSla } from './validate-sla';

type Plain = Record<string, unknown>;

const MS0 = 'applications[0].microservices[0]';
const MS1 = 'applications[0].microservices[1]';

/** Applies `change` to a fresh copy of the example at a dotted path ("a.0.b"); `undefined` deletes. */
function exampleWith(path: string, value: unknown): Plain {
  const sla = slaExample() as unknown as Plain;
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = sla as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  if (value === undefined) delete node[last];
  // defineProperty, not assignment: `__proto__` must become an own key, as JSON.parse makes it.
  else
    Object.defineProperty(node, last, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return sla;
}

function errorPaths(plain: unknown): string[] {
  const result = validateSla(plain);
  return result.ok ? [] : result.errors.map((e) => e.path);
}

describe('validateSla', () => {
  it('accepts the reference example', () => {
    const result = validateSla(structuredClone(SLA_EXAMPLE));
    expect(result).toMatchObject({ ok: true });
  });

  it('accepts the unikernel variant', () => {
    const result = validateSla(structuredClone(SLA_UNIKERNEL_EXAMPLE));
    expect(result).toMatchObject({ ok: true });
  });

  it('accepts the frozen fixture itself', () => {
    expect(validateSla(SLA_EXAMPLE).ok).toBe(true);
  });

  it('does not mutate its input', () => {
    const input = slaExample();
    const before = JSON.stringify(input);
    validateSla(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('applies Oakestra defaults to omitted fields', () => {
    const result = validateSla(slaExample());
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const nginx = result.value.applications[0]?.microservices[1];
    expect(nginx).toMatchObject({
      one_shot: false,
      privileged: false,
      vgpus: 0,
      vtpus: 0,
      storage: 0,
      bandwidth_in: 0,
      bandwidth_out: 0,
      cmd: [],
      environment: [],
    });
    const curl = result.value.applications[0]?.microservices[0];
    expect(curl?.one_shot).toBe(true);
    expect(curl?.constraints).toEqual([]);
  });

  it('defaults memory and vcpus to 0 when omitted', () => {
    const plain = exampleWith('applications.0.microservices.1.memory', undefined);
    delete ((plain['applications'] as Plain[])[0]?.['microservices'] as Plain[])[1]?.['vcpus'];
    const result = validateSla(plain);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.applications[0]?.microservices[1]).toMatchObject({ memory: 0, vcpus: 0 });
  });

  it('reads the legacy `vcpu` key as vcpus when vcpus is absent', () => {
    const plain = exampleWith('applications.0.microservices.1.vcpus', undefined);
    (((plain['applications'] as Plain[])[0]?.['microservices'] as Plain[])[1] as Plain)['vcpu'] = 2;
    const result = validateSla(plain);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.applications[0]?.microservices[1]?.vcpus).toBe(2);
  });

  it('prefers vcpus over the legacy vcpu key', () => {
    const plain = exampleWith('applications.0.microservices.1.vcpu', 4);
    const result = validateSla(plain);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.applications[0]?.microservices[1]?.vcpus).toBe(1);
  });

  it.each<[string, string, unknown, string]>([
    // [description, path to change, new value (undefined = delete), expected error path]
    ['missing sla_version', 'sla_version', undefined, 'sla_version'],
    ['wrong sla_version', 'sla_version', 'v1.0', 'sla_version'],
    ['missing customerID', 'customerID', undefined, 'customerID'],
    ['numeric customerID', 'customerID', 42, 'customerID'],
    ['missing applications', 'applications', undefined, 'applications'],
    ['applications not an array', 'applications', { 0: {} }, 'applications'],
    ['application that is not an object', 'applications.0', 'app', 'applications[0]'],
    [
      'missing application_name',
      'applications.0.application_name',
      undefined,
      'applications[0].application_name',
    ],
    [
      'application_name with a dot',
      'applications.0.application_name',
      'client.srvr',
      'applications[0].application_name',
    ],
    [
      'application_name of 31 chars',
      'applications.0.application_name',
      'a'.repeat(31),
      'applications[0].application_name',
    ],
    [
      'empty application_namespace',
      'applications.0.application_namespace',
      '',
      'applications[0].application_namespace',
    ],
    [
      'missing application_namespace',
      'applications.0.application_namespace',
      undefined,
      'applications[0].application_namespace',
    ],
    ['numeric applicationID', 'applications.0.applicationID', 7, 'applications[0].applicationID'],
    [
      'missing microservices',
      'applications.0.microservices',
      undefined,
      'applications[0].microservices',
    ],
    ['microservice that is null', 'applications.0.microservices.1', null, MS1],
    [
      'microservices nested in an array',
      'applications.0.microservices',
      [[{}]],
      'applications[0].microservices',
    ],
    [
      'missing microservice_name',
      'applications.0.microservices.1.microservice_name',
      undefined,
      `${MS1}.microservice_name`,
    ],
    [
      'microservice_name with a dash',
      'applications.0.microservices.1.microservice_name',
      'my-svc',
      `${MS1}.microservice_name`,
    ],
    [
      'microservice_namespace of 31 chars',
      'applications.0.microservices.0.microservice_namespace',
      'n'.repeat(31),
      `${MS0}.microservice_namespace`,
    ],
    [
      'missing microservice_namespace',
      'applications.0.microservices.0.microservice_namespace',
      undefined,
      `${MS0}.microservice_namespace`,
    ],
    [
      'missing virtualization',
      'applications.0.microservices.1.virtualization',
      undefined,
      `${MS1}.virtualization`,
    ],
    ['missing code', 'applications.0.microservices.1.code', undefined, `${MS1}.code`],
    [
      'non-empty microserviceID',
      'applications.0.microservices.1.microserviceID',
      'abc',
      `${MS1}.microserviceID`,
    ],
    ['negative memory', 'applications.0.microservices.1.memory', -1, `${MS1}.memory`],
    ['fractional memory', 'applications.0.microservices.1.memory', 1.5, `${MS1}.memory`],
    ['memory as a string', 'applications.0.microservices.1.memory', '100', `${MS1}.memory`],
    ['null memory', 'applications.0.microservices.1.memory', null, `${MS1}.memory`],
    ['negative vcpus', 'applications.0.microservices.1.vcpus', -2, `${MS1}.vcpus`],
    ['fractional storage', 'applications.0.microservices.0.storage', 0.5, `${MS0}.storage`],
    [
      'negative bandwidth_out',
      'applications.0.microservices.0.bandwidth_out',
      -10,
      `${MS0}.bandwidth_out`,
    ],
    ['one_shot as a string', 'applications.0.microservices.0.one_shot', 'true', `${MS0}.one_shot`],
    ['port as a number', 'applications.0.microservices.1.port', 80, `${MS1}.port`],
    [
      'port with a bad protocol',
      'applications.0.microservices.1.port',
      '6080:80/sctp',
      `${MS1}.port`,
    ],
    ['port out of range', 'applications.0.microservices.1.port', '70000:80', `${MS1}.port`],
    ['port 0', 'applications.0.microservices.1.port', '0:80', `${MS1}.port`],
    [
      'host port 50103 (tunnel)',
      'applications.0.microservices.1.port',
      '50103:80/udp',
      `${MS1}.port`,
    ],
    ['empty port entry', 'applications.0.microservices.1.port', '80;;81', `${MS1}.port`],
    ['port with spaces', 'applications.0.microservices.1.port', '80 :80', `${MS1}.port`],
    [
      'environment entry without =',
      'applications.0.microservices.0.environment',
      ['MODE'],
      `${MS0}.environment`,
    ],
    [
      'environment entry with a bad name',
      'applications.0.microservices.0.environment',
      ['1MODE=x'],
      `${MS0}.environment`,
    ],
    ['cmd with a number', 'applications.0.microservices.0.cmd', ['sh', 1], `${MS0}.cmd`],
    ['cmd not an array', 'applications.0.microservices.0.cmd', 'sh -c true', `${MS0}.cmd`],
    [
      'rr_ip not IPv4',
      'applications.0.microservices.1.addresses.rr_ip',
      '10.30.300.1',
      `${MS1}.addresses.rr_ip`,
    ],
    [
      'rr_ip_v6 not IPv6',
      'applications.0.microservices.1.addresses.rr_ip_v6',
      '10.30.30.30',
      `${MS1}.addresses.rr_ip_v6`,
    ],
    [
      'closest_ip not IPv4',
      'applications.0.microservices.1.addresses.closest_ip',
      'fdff::1',
      `${MS1}.addresses.closest_ip`,
    ],
    [
      'addresses not an object',
      'applications.0.microservices.1.addresses',
      ['10.30.30.30'],
      `${MS1}.addresses`,
    ],
    [
      'unknown address field',
      'applications.0.microservices.1.addresses.rr',
      '10.30.1.1',
      `${MS1}.addresses.rr`,
    ],
    [
      'constraint without type',
      'applications.0.microservices.1.constraints.0.type',
      undefined,
      `${MS1}.constraints[0].type`,
    ],
    [
      'constraint with unknown type',
      'applications.0.microservices.1.constraints.0.type',
      'nearby',
      `${MS1}.constraints[0].type`,
    ],
    [
      'constraint threshold as a string',
      'applications.0.microservices.1.constraints.0.threshold',
      '5',
      `${MS1}.constraints[0].threshold`,
    ],
    [
      'constraints not an array',
      'applications.0.microservices.1.constraints',
      { type: 'direct' },
      `${MS1}.constraints`,
    ],
    [
      'volume without csi_driver',
      'applications.0.microservices.1.volumes.0.csi_driver',
      undefined,
      `${MS1}.volumes[0].csi_driver`,
    ],
    [
      'volume without volume_id',
      'applications.0.microservices.1.volumes.0.volume_id',
      undefined,
      `${MS1}.volumes[0].volume_id`,
    ],
    [
      'volume config not an object',
      'applications.0.microservices.1.volumes.0.config',
      'rw',
      `${MS1}.volumes[0].config`,
    ],
    [
      'connectivity without con_constraints',
      'applications.0.microservices.1.connectivity',
      [{ target_microservice_id: 'x' }],
      `${MS1}.connectivity[0].con_constraints`,
    ],
    [
      'connectivity constraint without threshold',
      'applications.0.microservices.1.connectivity',
      [
        {
          target_microservice_id: 'x',
          con_constraints: [{ type: 'latency', rigidness: 1, convergence_time: 3 }],
        },
      ],
      `${MS1}.connectivity[0].con_constraints[0].threshold`,
    ],
    ['arch with a number', 'applications.0.microservices.1.arch', ['amd64', 64], `${MS1}.arch`],
    ['unknown top-level property', 'extra', true, 'extra'],
    ['unknown microservice property', 'applications.0.microservices.0.cpus', 1, `${MS0}.cpus`],
    [
      '__proto__ key in a microservice',
      'applications.0.microservices.0.__proto__',
      { polluted: true },
      `${MS0}.__proto__`,
    ],
    ['constructor key at the top', 'constructor', { prototype: {} }, 'constructor'],
  ])('rejects %s', (_description, path, value, expectedPath) => {
    const paths = errorPaths(exampleWith(path, value));
    expect(paths).toContain(expectedPath);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', '{"sla_version":"v2.0"}'],
    ['an array', [structuredClone(SLA_EXAMPLE)]],
    ['a boolean', true],
  ])('rejects %s as the body with an error on the root', (_description, body) => {
    const result = validateSla(body);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([
        { path: '', message: expect.stringContaining('JSON object') },
      ]);
  });

  it('survives hostile structures without throwing', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const cyclic: Plain = { sla_version: 'v2.0' };
    cyclic['applications'] = [cyclic];
    const throwing = Object.defineProperty({}, 'sla_version', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    for (const body of [deep, cyclic, throwing, { applications: new Array(200_000).fill(0) }]) {
      const result = validateSla(body);
      expect(result.ok).toBe(false);
    }
  });

  it('does not pollute Object.prototype through JSON __proto__ keys', () => {
    const body: unknown = JSON.parse('{"__proto__": {"polluted": "yes"}, "sla_version": "v2.0"}');
    const result = validateSla(body);
    expect(result.ok).toBe(false);
    expect(({} as Plain)['polluted']).toBeUndefined();
  });

  it('reports every problem with a path, not just the first', () => {
    const plain = exampleWith('applications.0.microservices.0.memory', -1);
    (((plain['applications'] as Plain[])[0]?.['microservices'] as Plain[])[1] as Plain)['code'] = 3;
    expect(errorPaths(plain)).toEqual(expect.arrayContaining([`${MS0}.memory`, `${MS1}.code`]));
  });

  it('uses the documented error format', () => {
    const result = validateSla(exampleWith('applications.0.microservices.1.memory', -5));
    expect(result).toEqual({
      ok: false,
      errors: [{ path: `${MS1}.memory`, message: 'memory must not be less than 0' }],
    });
  });
});
