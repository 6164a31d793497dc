import { CanopyNodeInfoDto, CanopyNodeRegistrationDto, validateDto } from '@canopy/contracts';
import type { Worker } from './worker.repository';
import {
  acceptableProposedId,
  capacityOf,
  informationUpdateOf,
  isWorkerActive,
  joinTokenMatches,
  toCandidate,
  workerFactsOf,
} from './worker.rules';

function worker(patch: Partial<Worker> = {}): Worker {
  return {
    id: '0123456789abcdef01234567',
    host: 'w1',
    ip: '198.18.0.2',
    port: '50103',
    architecture: 'amd64',
    facts: { cpu_percent: 12, memory_percent: 40, supported_addons: ['x'], csi_drivers: 7 },
    virtualization: ['docker'],
    labels: { zone: 'hall-2' },
    capacity: { vcpus: 2, memory: 1024, vgpus: 0 },
    free: { vcpus: 1, memory: 512, vgpus: 0 },
    rev: 3,
    link_status: 'online',
    last_seen: new Date(10_000),
    registered_at: new Date(0),
    mqtt_username: 'canopy-worker-x',
    ...patch,
  };
}

function dto<T extends object>(cls: new () => T, plain: object): T {
  const result = validateDto(cls, plain);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe('worker rules', () => {
  it('compares join tokens exactly, whatever their lengths', () => {
    expect(joinTokenMatches('wjt_abcdefghijklmnop', 'wjt_abcdefghijklmnop')).toBe(true);
    expect(joinTokenMatches('wjt_abcdefghijklmnoq', 'wjt_abcdefghijklmnop')).toBe(false);
    expect(joinTokenMatches('wjt', 'wjt_abcdefghijklmnop')).toBe(false);
    expect(joinTokenMatches(undefined, 'wjt_abcdefghijklmnop')).toBe(false);
    expect(joinTokenMatches('', 'wjt_abcdefghijklmnop')).toBe(false);
  });

  it('keeps only ids this cluster could have issued', () => {
    expect(acceptableProposedId('0123456789abcdef01234567')).toBe(true);
    expect(acceptableProposedId('nodes/+/#')).toBe(false);
    expect(acceptableProposedId('0123456789ABCDEF01234567')).toBe(false);
    expect(acceptableProposedId(undefined)).toBe(false);
  });

  it('takes capacity from the allocatable amounts, else (registration only) from the facts', () => {
    const canopy = dto(CanopyNodeInfoDto, {
      vcpus: 8,
      memory: 3000,
      vgpus: 1,
      allocatable_vcpus: 2,
      allocatable_memory: 512,
    });
    expect(capacityOf(canopy, false)).toEqual({ vcpus: 2, memory: 512, vgpus: 1 });
    const oakestra = dto(CanopyNodeRegistrationDto, { host: 'w', vcpus: 4, memory: 2048 });
    expect(capacityOf(oakestra, true)).toEqual({ vcpus: 4, memory: 2048, vgpus: 0 });
    // An Oakestra worker's available memory moves with its own load: it never moves capacity.
    expect(capacityOf(dto(CanopyNodeInfoDto, { vcpus: 4, memory: 100 }), false)).toBeUndefined();
  });

  it('stores facts without the join token, with normalised architecture and runtimes', () => {
    const facts = workerFactsOf(
      dto(CanopyNodeRegistrationDto, {
        host: 'w',
        join_token: 'secret-token-value',
        architecture: 'x86_64',
        virtualization: ['container', 'docker'],
        labels: { zone: 'a' },
      }),
      'w',
    );
    expect(facts).toMatchObject({
      host: 'w',
      architecture: 'amd64',
      virtualization: ['docker'],
      labels: { zone: 'a' },
    });
    expect(JSON.stringify(facts)).not.toContain('secret-token-value');
  });

  it('an information report changes only the fields it carries (Oakestra sends a subset)', () => {
    const partial = informationUpdateOf(
      dto(CanopyNodeInfoDto, { cpu_percent: 12.5, memory_percent: 10, memory: 9000 }),
    );
    expect(partial).toEqual({
      factsPatch: { cpu_percent: 12.5, memory_percent: 10, memory: 9000 },
    });
    const full = informationUpdateOf(
      dto(CanopyNodeInfoDto, {
        ip: '198.18.0.2',
        architecture: 'aarch64',
        virtualization: ['container'],
        labels: {},
      }),
    );
    expect(full).toMatchObject({
      ip: '198.18.0.2',
      architecture: 'arm64',
      virtualization: ['docker'],
      labels: {},
    });
  });

  it('takes tunnel facts (key, port) only when the message carries them', () => {
    const key = 'YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
    const registered = workerFactsOf(
      dto(CanopyNodeRegistrationDto, { host: 'w', wg_public_key: key, tunnel_port: 50200 }),
      'w',
    );
    expect(registered).toMatchObject({ wg_public_key: key, tunnel_port: 50200 });
    // Absent = keep what is stored: the fields are not even in the update.
    const oakestra = workerFactsOf(dto(CanopyNodeRegistrationDto, { host: 'w' }), 'w');
    expect(oakestra).not.toHaveProperty('wg_public_key');
    expect(oakestra).not.toHaveProperty('tunnel_port');
    expect(informationUpdateOf(dto(CanopyNodeInfoDto, { tunnel_port: 50104 }))).toEqual({
      tunnel_port: 50104,
      factsPatch: { tunnel_port: 50104 },
    });
    expect(informationUpdateOf(dto(CanopyNodeInfoDto, { cpu_percent: 1 }))).not.toHaveProperty(
      'wg_public_key',
    );
  });

  it('is active while online and heard from within the timeout', () => {
    expect(isWorkerActive(worker(), new Date(15_000), 5_000)).toBe(true);
    expect(isWorkerActive(worker(), new Date(15_001), 5_000)).toBe(false);
    expect(isWorkerActive(worker({ link_status: 'offline' }), new Date(10_000), 5_000)).toBe(false);
  });

  it('offers its FREE amounts to placement, with labels and only well-typed facts', () => {
    expect(toCandidate(worker(), true)).toEqual({
      id: '0123456789abcdef01234567',
      name: 'w1',
      kind: 'worker',
      active: true,
      capacity: { vcpus: 1, memory: 512, vgpus: 0, cpu_percent: 12, memory_percent: 40 },
      virtualization: ['docker'],
      architecture: 'amd64',
      supported_addons: ['x'],
      csi_drivers: [],
      labels: { zone: 'hall-2' },
    });
  });
});
