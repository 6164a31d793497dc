import { slaExample, validateSla } from '@canopy/contracts';
import { BadRequestError, ConflictError, UnprocessableError } from '../common/errors/domain-errors';
import { assertJobNamesFree, checkSlaNamesUnique } from './service.rules';
import { parseSlaBody } from './sla-body';

describe('SLA request rules', () => {
  it('refuses an application twice in one SLA, and a microservice twice in one application', () => {
    const sla = slaExample();
    const app = sla.applications[0];
    if (!app) throw new Error('app');
    sla.applications.push(structuredClone(app));
    app.microservices.push(structuredClone(app.microservices[0] as never));
    const result = validateSla(sla);
    if (!result.ok) throw new Error('valid');
    try {
      checkSlaNamesUnique(result.value.applications);
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details?.map((d) => d.path)).toEqual([
        'applications[0].microservices[2].microservice_name',
        'applications[1].application_name',
      ]);
    }
  });

  it('names the SLA entries whose job names are taken (409)', () => {
    const planned = [
      { jobName: 'a.b.c.d', path: 'applications[0].microservices[0].microservice_name' },
      { jobName: 'a.b.e.f', path: 'applications[0].microservices[1].microservice_name' },
    ];
    expect(() => assertJobNamesFree(planned, [])).not.toThrow();
    try {
      assertJobNamesFree(planned, ['a.b.e.f']);
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).details).toEqual([
        {
          path: 'applications[0].microservices[1].microservice_name',
          message: 'job name a.b.e.f is taken',
        },
      ]);
    }
  });
});

describe(parseSlaBody.name, () => {
  it('answers 400 for a body that is not an object, 422 with paths for an invalid SLA', () => {
    for (const body of [undefined, null, [], 'sla', 3])
      expect(() => parseSlaBody(body)).toThrow(BadRequestError);
    const sla = slaExample() as unknown as {
      applications: { microservices: Record<string, unknown>[] }[];
    };
    (sla.applications[0]?.microservices[0] as Record<string, unknown>)['vcpus'] = 'two';
    try {
      parseSlaBody(sla);
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(UnprocessableError);
      expect((error as UnprocessableError).details?.[0]?.path).toBe(
        'applications[0].microservices[0].vcpus',
      );
    }
    expect(parseSlaBody(slaExample()).applications).toHaveLength(1);
  });
});
