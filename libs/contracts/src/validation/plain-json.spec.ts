import { inspectPlainJson } from './plain-json';

describe('inspectPlainJson', () => {
  it('accepts JSON data', () => {
    expect(inspectPlainJson({ a: [1, 'x', true, null, { b: {} }], c: undefined })).toEqual([]);
    expect(inspectPlainJson(JSON.parse('{"a":{"b":[[],{}]}}'))).toEqual([]);
    expect(inspectPlainJson(Object.create(null))).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['__proto__', JSON.parse('{"a":[{"__proto__":{}}]}'), 'a[0].__proto__'],
    ['constructor', { x: { constructor: 1 } }, 'x.constructor'],
    ['prototype', { prototype: {} }, 'prototype'],
    ['a function', { f: () => 1 }, 'f'],
    ['a Date', { d: new Date() }, 'd'],
    ['a Map', { m: new Map() }, 'm'],
    ['a bigint', { n: BigInt(1) }, 'n'],
    ['Infinity', { n: Number.POSITIVE_INFINITY }, 'n'],
    ['NaN', { n: Number.NaN }, 'n'],
  ])('reports %s with its path', (_description, value, path) => {
    expect(inspectPlainJson(value).map((i) => i.path)).toContain(path);
  });

  it('reports cycles but accepts shared (acyclic) references', () => {
    const shared = { x: 1 };
    expect(inspectPlainJson({ a: shared, b: shared })).toEqual([]);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = { back: cyclic };
    expect(inspectPlainJson(cyclic)).toEqual([
      { path: 'self.back', message: 'value contains a cycle' },
    ]);
  });

  it('stops at the depth and size limits', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10; i++) deep = [deep];
    expect(inspectPlainJson(deep, { maxDepth: 5, maxNodes: 1000 })).toEqual([
      { path: '[0][0][0][0][0]', message: 'value is nested deeper than 5 levels' },
    ]);
    expect(inspectPlainJson(new Array(20).fill(0), { maxDepth: 5, maxNodes: 10 })).toEqual([
      { path: '', message: 'value has more than 10 elements' },
    ]);
  });
});
