import { encodeCommandBatch, parseDynsecResponses, parseRoleData } from './dynsec.protocol';

describe(parseDynsecResponses.name, () => {
  it('reads answers as Mosquitto 2.0 sends them', () => {
    const payload = Buffer.from(
      JSON.stringify({
        responses: [
          { command: 'createRole', correlationData: 'a' },
          { command: 'getRole', error: 'Role not found', correlationData: 'b' },
          { command: 'getRole', data: { role: { rolename: 'r', acls: [] } }, correlationData: 'c' },
        ],
      }),
    );
    expect(parseDynsecResponses(payload)).toEqual([
      { command: 'createRole', correlationData: 'a' },
      { command: 'getRole', error: 'Role not found', correlationData: 'b' },
      { command: 'getRole', data: { role: { rolename: 'r', acls: [] } }, correlationData: 'c' },
    ]);
  });

  it('keeps the answer to an unparsable batch, which has no correlationData', () => {
    expect(
      parseDynsecResponses(
        '{"responses":[{"command":"Unknown command","error":"Payload not valid JSON"}]}',
      ),
    ).toEqual([{ command: 'Unknown command', error: 'Payload not valid JSON' }]);
  });

  it.each(['', 'not json', 'null', '[]', '{"responses":{}}', '{"commands":[]}', '"x"'])(
    'returns null for a payload that is not a responses envelope: %j',
    (payload) => expect(parseDynsecResponses(payload)).toBeNull(),
  );

  it('drops entries of the wrong shape and keeps the rest', () => {
    expect(
      parseDynsecResponses(
        JSON.stringify({
          responses: [
            null,
            'x',
            { correlationData: 'no-command' },
            { command: 'createClient', error: 42, correlationData: 'bad-error' },
            { command: 'createClient', correlationData: 7 },
            { command: 'deleteClient', correlationData: 'ok' },
          ],
        }),
      ),
    ).toEqual([{ command: 'deleteClient', correlationData: 'ok' }]);
  });
});

describe(parseRoleData.name, () => {
  it('reads a role with its ACLs', () => {
    expect(
      parseRoleData({
        role: {
          rolename: 'canopy-worker-w1',
          acls: [{ acltype: 'publishClientSend', topic: 'nodes/w1/#', priority: 0, allow: true }],
        },
      }),
    ).toEqual({
      rolename: 'canopy-worker-w1',
      acls: [{ acltype: 'publishClientSend', topic: 'nodes/w1/#', priority: 0, allow: true }],
    });
  });

  it('reads a role without an acls field as having none', () => {
    expect(parseRoleData({ role: { rolename: 'r' } })).toEqual({ rolename: 'r', acls: [] });
  });

  it.each([
    undefined,
    {},
    { role: null },
    { role: { acls: [] } },
    { role: { rolename: 'r', acls: {} } },
    { role: { rolename: 'r', acls: [{ acltype: 'publishEverything', topic: '#', allow: true }] } },
    { role: { rolename: 'r', acls: [{ acltype: 'publishClientSend', topic: '#', allow: 'yes' }] } },
    {
      role: {
        rolename: 'r',
        acls: [{ acltype: 'publishClientSend', topic: '#', allow: true, priority: '1' }],
      },
    },
  ])('returns null for an unreadable role, rather than a partial one: %j', (data) => {
    expect(parseRoleData(data)).toBeNull();
  });
});

describe(encodeCommandBatch.name, () => {
  it('wraps the commands in the plugin envelope', () => {
    expect(
      JSON.parse(
        encodeCommandBatch([{ command: 'deleteRole', rolename: 'r', correlationData: 'c' }]),
      ),
    ).toEqual({ commands: [{ command: 'deleteRole', rolename: 'r', correlationData: 'c' }] });
  });
});
