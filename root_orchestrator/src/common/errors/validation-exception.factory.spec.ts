import { CreateOrganizationDto } from '@canopy/contracts';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { BadRequestError } from './domain-errors';
import { validationExceptionFactory } from './validation-exception.factory';

describe(validationExceptionFactory.name, () => {
  it('turns class-validator errors into a 400 with one path per problem', () => {
    const dto = plainToInstance(CreateOrganizationDto, {
      name: '!',
      member: [{ user_id: 'x', roles: ['Admin'] }],
      extra: 1,
    });
    const error = validationExceptionFactory(
      validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.details?.map((d) => d.path).sort()).toEqual([
      'extra',
      'member[0].user_id',
      'name',
    ]);
    expect(error.message).toBe('Request body is invalid (3 problems)');
  });
});
