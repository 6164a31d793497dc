import { parseServiceCounters } from './nft-counters.parser';

// Shape as printed by nftables 1.0.6 for the services chain (trimmed).
const LISTING = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { chain: { family: 'inet', table: 'canopy', name: 'services', handle: 1 } },
    {
      rule: {
        chain: 'services',
        comment: 'round_robin web',
        expr: [
          {
            match: {
              op: '==',
              left: { payload: { protocol: 'ip', field: 'daddr' } },
              right: '10.30.0.7',
            },
          },
          { counter: { packets: 3, bytes: 180 } },
          { dnat: { family: 'ip', addr: '10.18.0.2' } },
        ],
      },
    },
    {
      rule: {
        chain: 'services',
        expr: [
          {
            match: {
              op: '==',
              left: { payload: { protocol: 'ip', field: 'daddr' } },
              right: '10.30.0.8',
            },
          },
          { counter: { packets: 0, bytes: 0 } },
          { dnat: { family: 'ip', addr: { map: { key: { numgen: { mode: 'inc', mod: 2 } } } } } },
        ],
      },
    },
  ],
});

describe('parseServiceCounters', () => {
  it('maps each DNAT rule address to its packet count', () => {
    expect(parseServiceCounters(LISTING)).toEqual(
      new Map([
        ['10.30.0.7', 3],
        ['10.30.0.8', 0],
      ]),
    );
  });

  it('skips rules without a counter or an ip daddr match, and survives garbage', () => {
    const rules = JSON.stringify({
      nftables: [
        { rule: { expr: [{ counter: { packets: 5 } }] } },
        {
          rule: {
            expr: [
              {
                match: {
                  op: '==',
                  left: { payload: { protocol: 'ip', field: 'saddr' } },
                  right: '10.30.0.9',
                },
              },
              { counter: { packets: 1 } },
            ],
          },
        },
        { rule: { expr: 'nope' } },
        null,
      ],
    });
    expect(parseServiceCounters(rules).size).toBe(0);
    expect(parseServiceCounters('not json').size).toBe(0);
    expect(parseServiceCounters('{"nftables":{}}').size).toBe(0);
  });
});
