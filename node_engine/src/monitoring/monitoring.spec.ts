import pino from 'pino';
import {
  CanopyJobsResourcesDto,
  CanopyNodeInfoDto,
  CanopyNodeRegistrationDto,
  JobsResourcesDto,
  NodeInfoDto,
  validateDto,
} from '@canopy/contracts';
import { factory } from '../testing/factories';
import { buildResourcesReport } from './instance-resources';
import {
  allocatableMemoryMb,
  goArch,
  NodeInfoCollector,
  type SystemInformation,
} from './node-info.collector';

const MB = 1024 * 1024;

function fakeSi(calls: Record<string, number>): SystemInformation {
  const count =
    <T>(name: string, value: T) =>
    () => {
      calls[name] = (calls[name] ?? 0) + 1;
      return Promise.resolve(value);
    };
  return {
    currentLoad: count('currentLoad', { currentLoad: 12.345 }),
    mem: count('mem', { total: 8000 * MB, available: 2000 * MB }),
    fsSize: count('fsSize', [
      { mount: '/', size: 100_000 * MB, used: 40_000 * MB, available: 60_000 * MB, use: 40 },
    ]),
    osInfo: count('osInfo', {
      distro: 'Debian GNU/Linux',
      release: '12',
      kernel: '6.1.0',
      arch: 'x64',
      codename: 'bookworm',
    }),
    graphics: count('graphics', {
      controllers: [{ vendor: 'NVIDIA Corporation', vram: 4096, driverVersion: '535' }],
    }),
    networkInterfaces: count('networkInterfaces', [
      { iface: 'lo', ip4: '127.0.0.1', internal: true },
      { iface: 'eth0', ip4: '198.18.0.2', internal: false, default: true },
    ]),
  } as unknown as SystemInformation;
}

describe(NodeInfoCollector.name, () => {
  const collector = (calls: Record<string, number>) =>
    new NodeInfoCollector({
      nodeName: 'worker-1',
      labels: { zone: 'hall' },
      location: { lat: 48.1, long: 11.5 },
      virtualization: () => ['docker'],
      clusterAddress: '127.0.0.1',
      logger: pino({ level: 'silent' }),
      si: fakeSi(calls),
      slowEvery: 3,
    });

  it("produces Oakestra's node fields plus labels/location, valid for registration and information", async () => {
    const facts = await collector({}).sample();
    expect(facts).toMatchObject({
      host: 'worker-1',
      port: '50103',
      cpu_percent: 12.35,
      memory: 2000,
      memory_percent: 75,
      architecture: goArch(),
      disk_info: { path: '/', available_mb: '60000', used_percent: '40' },
      gpu_driver: '535',
      vgpus: 1,
      vram: 4096,
      virtualization: ['docker'],
      labels: { zone: 'hall' },
      location: { lat: 48.1, long: 11.5 },
      system_info: expect.objectContaining({
        kernel_version: '6.1.0',
        os_version: 'Debian GNU/Linux 12',
      }),
    });
    const asJson = (v: object) => JSON.parse(JSON.stringify(v)) as unknown;
    expect(
      validateDto(CanopyNodeRegistrationDto, asJson({ ...facts, id: 'n1', join_token: 't' }), {
        forbidUnknown: true,
      }),
    ).toMatchObject({ ok: true });
    expect(
      validateDto(CanopyNodeInfoDto, asJson({ ...facts, id: 'n1' }), { forbidUnknown: true }),
    ).toMatchObject({
      ok: true,
    });
    // An Oakestra cluster strips the Canopy fields and still accepts the rest.
    expect(validateDto(NodeInfoDto, { ...facts, id: 'n1' })).toMatchObject({ ok: true });
  });

  it('gathers static facts once and slow facts every few samples', async () => {
    const calls: Record<string, number> = {};
    const c = collector(calls);
    for (let i = 0; i < 7; i++) await c.sample();
    expect(calls).toEqual({
      osInfo: 1,
      graphics: 1,
      fsSize: 3,
      networkInterfaces: 3,
      currentLoad: 7,
      mem: 7,
    });
  });

  it('offers the machine minus a system reserve, or less when the operator caps it', async () => {
    expect(allocatableMemoryMb(8000)).toBe(7200); // 10 %
    expect(allocatableMemoryMb(1000)).toBe(872); // at least 128 MB kept back
    expect(allocatableMemoryMb(8000, 512)).toBe(512);
    expect(allocatableMemoryMb(8000, 100_000)).toBe(7200); // a cap never adds memory
    expect(allocatableMemoryMb(64)).toBe(0);
    const capped = new NodeInfoCollector({
      nodeName: 'w',
      labels: {},
      virtualization: () => ['docker'],
      clusterAddress: '127.0.0.1',
      logger: pino({ level: 'silent' }),
      si: fakeSi({}),
      resources: { vcpus: 1, memory: 256 },
    });
    expect(await capped.sample()).toMatchObject({ allocatable_vcpus: 1, allocatable_memory: 256 });
  });

  it('reports a configured underlay address as its ip (peers tunnel to it, port mappings answer there)', async () => {
    const withUnderlay = new NodeInfoCollector({
      nodeName: 'w',
      labels: {},
      virtualization: () => ['docker'],
      clusterAddress: '127.0.0.1',
      address: '198.18.7.7',
      logger: pino({ level: 'silent' }),
      si: fakeSi({}),
    });
    expect((await withUnderlay.sample()).ip).toBe('198.18.7.7');
    expect((await collector({}).sample()).ip).not.toBe('198.18.7.7');
  });

  it('maps Node architectures to Go names', () => {
    expect(goArch('x64')).toBe('amd64');
    expect(goArch('arm64')).toBe('arm64');
    expect(goArch('ia32')).toBe('386');
  });
});

describe(buildResourcesReport.name, () => {
  const web = factory.desired({ generation: 4 });
  const oneShot = factory.desired({ job_name: 'batch.a.b.c', one_shot: true });
  const replaced = factory.desired({ job_name: 'old.a.b.c' });

  it('lists running containers of desired instances with Oakestra string metrics and Canopy extras', () => {
    const report = buildResourcesReport(
      [
        factory.container(web),
        factory.container(oneShot, { state: 'exited', exitCode: 0 }),
        factory.container(replaced, { specHash: 'stale' }),
        factory.container(factory.desired({ job_name: 'undesired.a.b.c' })),
      ],
      new Map([web, oneShot, replaced].map((d) => [d.key, d])),
      new Map([[`c-${web.key}`, { cpuPercent: 1.5, memoryPercent: 20.25, diskMb: 0.1 }]]),
      new Map([[`c-${web.key}`, 'hello\n']]),
      new Map([[web.key, { count: 2, consecutive: 0 }]]),
    );
    expect(report).toEqual({
      services: [
        {
          job_name: 'app.ns.web.ns',
          instance: 0,
          virtualization: 'docker',
          cpu_percent: '1.5',
          memory_percent: '20.25',
          disk: '0.1',
          logs: 'hello\n',
          generation: 4,
          restart_count: 2,
        },
      ],
    });
    expect(validateDto(CanopyJobsResourcesDto, report, { forbidUnknown: true })).toMatchObject({
      ok: true,
    });
    expect(validateDto(JobsResourcesDto, report)).toMatchObject({ ok: true });
  });
});
