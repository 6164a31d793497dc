import { ApplicationDto, LoginDto, RegisterUserDto, SlaDto } from '@canopy/contracts';
import { schemaOf } from './validation-schema';

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  [k: string]: unknown;
};

describe(schemaOf.name, () => {
  it('documents required and optional fields with their constraints', () => {
    const login = schemaOf(LoginDto) as Schema;
    expect(login.required).toEqual(['username', 'password']);
    expect(login.properties?.['password']).toEqual({
      type: 'string',
      minLength: 1,
      maxLength: 1024,
    });
    expect(login['additionalProperties']).toBe(false);
    const register = schemaOf(RegisterUserDto) as Schema;
    expect(register.properties?.['roles']).toEqual({
      type: 'array',
      items: {
        enum: ['Admin', 'Organization_Admin', 'Application_Provider', 'Infrastructure_Provider'],
      },
    });
    expect(register.properties?.['password']).toMatchObject({
      type: 'string',
      minLength: 8,
      format: 'password',
    });
  });

  it('inlines nested DTOs and shows defaults (the SLA)', () => {
    const sla = schemaOf(SlaDto) as Schema;
    const microservice =
      sla.properties?.['applications']?.items?.properties?.['microservices']?.items;
    expect(microservice?.required).toEqual(
      expect.arrayContaining([
        'microservice_name',
        'microservice_namespace',
        'virtualization',
        'code',
      ]),
    );
    expect(microservice?.properties?.['memory']).toEqual({
      type: 'integer',
      minimum: 0,
      default: 0,
    });
    expect(microservice?.properties?.['addresses']?.properties?.['rr_ip']).toEqual({
      type: 'string',
      format: 'ipv4',
    });
    expect(microservice?.properties?.['environment']?.items).toMatchObject({ type: 'string' });
  });

  it("renders Oakestra's {$oid} ids", () => {
    const app = schemaOf(ApplicationDto) as Schema;
    expect(app.properties?.['_id']?.properties?.['$oid']).toMatchObject({
      type: 'string',
      pattern: '^[0-9a-f]{24}$',
    });
  });
});
