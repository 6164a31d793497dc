import { DEPLOYMENT_STATUSES } from '../../status/instance-status.enum';
import { parsePayload } from '../parse-payload';
import { JobStatusDto } from './job-status.dto';

describe('JobStatusDto', () => {
  it.each(DEPLOYMENT_STATUSES)('accepts status %s', (status) => {
    const body = {
      sname: 'a.b.c.d',
      status,
      status_detail: 'x',
      instance: 3,
      publicip: '198.18.0.9',
    };
    expect(parsePayload(JobStatusDto, JSON.stringify(body))).toMatchObject({
      ok: true,
      value: body,
    });
  });

  it('rejects a scheduling status coming from a worker', () => {
    const result = parsePayload(
      JobStatusDto,
      JSON.stringify({ sname: 'a.b.c.d', status: 'REQUESTED', instance: 0 }),
    );
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['status']);
  });
});
