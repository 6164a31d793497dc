import { IsDefined, IsString } from 'class-validator';
import { IsNonNegativeInt, NestedArray, NestedObject, OptionalField } from './validators';
import { validateDto } from './validate-dto';

class Leaf {
  @IsDefined()
  @IsNonNegativeInt()
  n!: number;
}

class Branch {
  @OptionalField()
  @NestedArray(() => Leaf)
  leaves?: Leaf[];

  @OptionalField()
  @NestedObject(() => Leaf)
  only?: Leaf;
}

class Root {
  @IsDefined()
  @NestedArray(() => Branch)
  branches!: Branch[];

  @OptionalField()
  @IsString()
  label?: string;

  // A numeric-looking property name on an object must not render as an index.
  @OptionalField()
  @NestedObject(() => Leaf)
  '0'?: Leaf;
}

describe('validateDto', () => {
  it('returns a class instance with nested instances', () => {
    const result = validateDto(Root, { branches: [{ leaves: [{ n: 1 }], only: { n: 2 } }] });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value).toBeInstanceOf(Root);
    expect(result.value.branches[0]?.leaves?.[0]).toBeInstanceOf(Leaf);
  });

  it('flattens nested errors into accessor paths', () => {
    const result = validateDto(Root, {
      branches: [{ leaves: [{ n: 1 }, { n: -1 }] }, { only: { n: 'x' } }, 'junk'],
      label: 5,
      0: { n: 1.5 },
    });
    expect(result.ok ? [] : [...new Set(result.errors.map((e) => e.path))]).toEqual(
      expect.arrayContaining([
        'branches[0].leaves[1].n',
        'branches[1].only.n',
        'branches',
        'branches[2]',
        'label',
        '0.n',
      ]),
    );
  });

  it('treats null as present (and invalid) but undefined as absent', () => {
    expect(validateDto(Root, { branches: [], label: undefined }).ok).toBe(true);
    const result = validateDto(Root, { branches: [], label: null });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(['label']);
  });

  it('rejects nested arrays where objects are expected', () => {
    const result = validateDto(Root, { branches: [[{ leaves: [] }]] });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain('branches');
  });

  it('rejects unknown properties at any depth only when asked', () => {
    const body = { branches: [{ leaves: [{ n: 1, extra: true }] }] };
    expect(validateDto(Root, body).ok).toBe(true);
    const strict = validateDto(Root, body, { forbidUnknown: true });
    expect(strict).toEqual({
      ok: false,
      errors: [{ path: 'branches[0].leaves[0].extra', message: 'property extra should not exist' }],
    });
  });

  it('never throws, whatever the input', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    for (const input of [hostile, Symbol('x'), () => 1, new Date(), BigInt(9)]) {
      expect(() => validateDto(Root, input)).not.toThrow();
      expect(validateDto(Root, input).ok).toBe(false);
    }
  });
});
