import { metricToNumber } from '../../validation/metric';
import { parsePayload } from '../parse-payload';
import { JobsResourcesDto } from './job-resources.dto';

describe('JobsResourcesDto', () => {
  const service = {
    job_name: 'clientsrvr.test.nginx.test',
    instance: 0,
    virtualization: 'docker',
    cpu_percent: '1.25',
    memory_percent: '3.5',
    disk: '1024',
    logs: 'started\n',
  };

  it("accepts Oakestra's string metrics and plain numbers", () => {
    const result = parsePayload(
      JobsResourcesDto,
      JSON.stringify({ services: [service, { ...service, instance: 1, cpu_percent: 7 }] }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.services.map((s) => metricToNumber(s.cpu_percent))).toEqual([1.25, 7]);
  });

  it('accepts an empty report, including a Go nil slice', () => {
    expect(parsePayload(JobsResourcesDto, '{"services":[]}').ok).toBe(true);
    expect(parsePayload(JobsResourcesDto, '{"services":null}')).toEqual({
      ok: true,
      value: { services: [] },
    });
  });

  it.each<[string, unknown, string]>([
    ['services missing', undefined, 'services'],
    ['services not an array', { 0: service }, 'services'],
    ['a service that is a string', ['x'], 'services'],
    ['a non-numeric cpu_percent', [{ ...service, cpu_percent: 'high' }], 'services[0].cpu_percent'],
    [
      'a NaN-like memory_percent',
      [{ ...service, memory_percent: 'NaN' }],
      'services[0].memory_percent',
    ],
    ['a missing job_name', [{ ...service, job_name: undefined }], 'services[0].job_name'],
    ['a fractional instance', [{ ...service, instance: 0.5 }], 'services[0].instance'],
    ['oversized logs', [{ ...service, logs: 'x'.repeat(5000) }], 'services[0].logs'],
  ])('rejects %s', (_description, services, path) => {
    const result = parsePayload(JobsResourcesDto, JSON.stringify({ services }));
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(path);
  });
});
