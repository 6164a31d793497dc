import { BadRequestError } from '../errors/domain-errors';
import { checkBody } from './body-shape.interceptor';

describe(checkBody.name, () => {
  it('lets objects and absent bodies through', () => {
    expect(() => checkBody(undefined)).not.toThrow();
    expect(() => checkBody({ a: [1, { b: 2 }] })).not.toThrow();
  });

  it.each([
    ['an array', [1, 2]],
    ['null', null],
    ['a nesting deeper than 64', JSON.parse(`${'{"a":'.repeat(100)}1${'}'.repeat(100)}`)],
    ['a __proto__ key', JSON.parse('{"__proto__": {"admin": true}}')],
  ])('refuses %s with 400', (_what, body) => {
    expect(() => checkBody(body)).toThrow(BadRequestError);
  });
});
