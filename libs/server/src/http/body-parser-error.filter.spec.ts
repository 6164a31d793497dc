import { isBodyParserError } from './body-parser-error.filter';

describe(isBodyParserError.name, () => {
  it('recognises body-parser client errors', () => {
    expect(isBodyParserError({ status: 413, type: 'entity.too.large', message: 'x' })).toBe(true);
    expect(isBodyParserError({ status: 400, type: 'entity.parse.failed', message: 'x' })).toBe(
      true,
    );
  });

  it('ignores everything else', () => {
    expect(isBodyParserError(new Error('boom'))).toBe(false);
    expect(isBodyParserError({ status: 500, type: 'entity.too.large' })).toBe(false);
    expect(isBodyParserError({ status: 400, type: 'other' })).toBe(false);
    expect(isBodyParserError(null)).toBe(false);
  });
});
