import { validateDto } from '../../validation/validate-dto';
import { parsePayload } from '../parse-payload';
import { JobStatusDto } from './job-status.dto';
import { NODE_INFO_EXAMPLE } from './node-info.fixtures';
import {
  CanopyJobStatusDto,
  CanopyJobsResourcesDto,
  CanopyNodeInfoDto,
  CanopyNodeRegistrationDto,
} from './worker-extensions.dto';

describe('Canopy worker extensions', () => {
  const labelled = {
    ...NODE_INFO_EXAMPLE,
    labels: { zone: 'hall-2' },
    location: { lat: 48.1, long: 11.5 },
  };

  it('registration and information carry labels and location; Oakestra bodies still validate', () => {
    expect(
      validateDto(
        CanopyNodeRegistrationDto,
        { ...labelled, join_token: 't' },
        { forbidUnknown: true },
      ),
    ).toMatchObject({ ok: true });
    expect(validateDto(CanopyNodeInfoDto, labelled, { forbidUnknown: true })).toMatchObject({
      ok: true,
    });
    expect(
      validateDto(CanopyNodeRegistrationDto, NODE_INFO_EXAMPLE, { forbidUnknown: true }),
    ).toMatchObject({ ok: true });
    expect(validateDto(CanopyNodeInfoDto, { ...labelled, labels: null })).toMatchObject({
      ok: true,
    });
  });

  it('registration and information carry the allocatable amounts', () => {
    const body = { ...labelled, allocatable_vcpus: 2, allocatable_memory: 512 };
    expect(validateDto(CanopyNodeInfoDto, body, { forbidUnknown: true })).toMatchObject({
      ok: true,
      value: { allocatable_vcpus: 2, allocatable_memory: 512 },
    });
    expect(validateDto(CanopyNodeRegistrationDto, body, { forbidUnknown: true })).toMatchObject({
      ok: true,
    });
  });

  it.each([
    [{ allocatable_memory: -1 }, 'allocatable_memory'],
    [{ allocatable_vcpus: 1.5 }, 'allocatable_vcpus'],
    [{ allocatable_memory: '512' }, 'allocatable_memory'],
    [{ labels: { zone: 1 } }, 'labels'],
    [{ location: { lat: 91, long: 0 } }, 'location.lat'],
    [{ location: { lat: 0 } }, 'location.long'],
    [{ location: '48,11' }, 'location'],
  ])('rejects %j', (patch, path) => {
    const result = validateDto(CanopyNodeInfoDto, { ...labelled, ...patch });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(path);
  });

  it('job status events carry generation, restart count and exit code; plain JobStatusDto strips them', () => {
    const body = {
      sname: 'a.b.c.d',
      status: 'DEAD',
      instance: 0,
      generation: 3,
      restart_count: 2,
      exit_code: 137,
    };
    expect(
      parsePayload(CanopyJobStatusDto, JSON.stringify(body), { forbidUnknown: true }),
    ).toMatchObject({ ok: true, value: body });
    expect(parsePayload(JobStatusDto, JSON.stringify(body))).toMatchObject({ ok: true });
    expect(
      parsePayload(CanopyJobStatusDto, JSON.stringify({ ...body, restart_count: -1 })).ok,
    ).toBe(false);
  });

  it('resources entries carry generation and restart count', () => {
    const body = {
      services: [
        {
          job_name: 'a.b.c.d',
          instance: 0,
          cpu_percent: '1.5',
          memory_percent: '2',
          disk: '0',
          logs: 'x',
          generation: 1,
          restart_count: 0,
        },
      ],
    };
    expect(
      parsePayload(CanopyJobsResourcesDto, JSON.stringify(body), { forbidUnknown: true }),
    ).toMatchObject({ ok: true });
    expect(parsePayload(CanopyJobsResourcesDto, '{"services":null}')).toMatchObject({
      ok: true,
      value: { services: [] },
    });
  });
});
