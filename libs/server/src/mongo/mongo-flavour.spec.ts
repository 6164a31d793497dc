import { flavourFromBuildInfo, maxPoolSizeFor } from './mongo-flavour';

describe(flavourFromBuildInfo.name, () => {
  it('recognises FerretDB by its buildInfo field and MongoDB otherwise', () => {
    expect(flavourFromBuildInfo({ version: '7.0.42', ferretdbVersion: 'v1.24.2' })).toEqual({
      kind: 'ferretdb',
      version: 'v1.24.2',
    });
    expect(flavourFromBuildInfo({ version: '8.0.4' })).toEqual({
      kind: 'mongodb',
      version: '8.0.4',
    });
  });
});

describe(maxPoolSizeFor.name, () => {
  it('serialises FerretDB and unknown servers on one connection, leaves MongoDB to the driver', () => {
    expect(maxPoolSizeFor({ kind: 'ferretdb', version: 'v1.24.2' })).toBe(1);
    expect(maxPoolSizeFor({ kind: 'unknown', version: undefined })).toBe(1);
    expect(maxPoolSizeFor({ kind: 'mongodb', version: '8.0.4' })).toBeUndefined();
  });
});
