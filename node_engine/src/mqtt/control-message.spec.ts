import { parseControlMessage } from './control-message';

const NODE = 'node-1';
const deploy = {
  _id: '665f1c2e9b1e8a0012345678',
  job_name: 'app.ns.web.ns',
  instance_number: 2,
  image: 'canopy/busybox:test',
  cmd: ['httpd', '-f'],
  environment: ['A=1'],
  port: '8080:80/tcp',
  status: 'NODE_SCHEDULED',
  virtualization: 'docker',
  vcpus: 1,
  memory: 64,
  one_shot: false,
  generation: 3,
  instance_list: [{ instance_number: 2 }],
};

describe(parseControlMessage.name, () => {
  it('turns a deploy (Oakestra job document + instance_number + generation) into an instance spec', () => {
    const result = parseControlMessage(
      NODE,
      `nodes/${NODE}/control/deploy`,
      JSON.stringify(deploy),
    );
    expect(result).toEqual({
      ok: true,
      control: {
        kind: 'deploy',
        spec: expect.objectContaining({
          job_name: 'app.ns.web.ns',
          instance_number: 2,
          generation: 3,
          port: '8080:80/tcp',
          privileged: false,
        }),
      },
    });
    if (result.ok && result.control.kind === 'deploy') {
      expect(result.control.spec).not.toHaveProperty('status');
      expect(result.control.spec).not.toHaveProperty('instance_list');
    }
  });

  it('reads deletes and the cluster errors', () => {
    expect(
      parseControlMessage(
        NODE,
        `nodes/${NODE}/control/delete`,
        '{"job_name":"a.b.c.d","instance_number":0,"generation":4}',
      ),
    ).toMatchObject({
      ok: true,
      control: { kind: 'delete', message: { job_name: 'a.b.c.d', generation: 4 } },
    });
    expect(
      parseControlMessage(
        NODE,
        `nodes/${NODE}/control/error`,
        '{"message":"Node not registered to the cluster"}',
      ),
    ).toEqual({
      ok: true,
      control: { kind: 'error', message: 'Node not registered to the cluster' },
    });
  });

  it.each<[string, string, string | Buffer, RegExp]>([
    ['invalid JSON', 'control/deploy', '{"job_name":', /not valid JSON/],
    ['not UTF-8', 'control/deploy', Buffer.from([0xff, 0xfe, 0xfd]), /UTF-8/],
    ['an array', 'control/deploy', '[]', /JSON object/],
    ['no image', 'control/deploy', JSON.stringify({ ...deploy, image: undefined }), /image/],
    ['negative memory', 'control/deploy', JSON.stringify({ ...deploy, memory: -5 }), /memory/],
    [
      'tunnel port mapped',
      'control/deploy',
      JSON.stringify({ ...deploy, port: '50103:80' }),
      /reserved/,
    ],
    [
      'bad env',
      'control/deploy',
      JSON.stringify({ ...deploy, environment: ['no-equals'] }),
      /environment/,
    ],
    [
      'fractional generation',
      'control/deploy',
      JSON.stringify({ ...deploy, generation: 1.5 }),
      /generation/,
    ],
    [
      'null instance',
      'control/delete',
      '{"job_name":"a","instance_number":null}',
      /instance_number/,
    ],
    ['huge', 'control/deploy', JSON.stringify({ ...deploy, pad: 'x'.repeat(300_000) }), /exceeds/],
    ['prototype pollution', 'control/deploy', '{"__proto__":{"x":1},"job_name":"a"}', /__proto__/],
  ])('drops %s with a reason', (_what, kind, payload, reason) => {
    const result = parseControlMessage(NODE, `nodes/${NODE}/${kind}`, payload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("refuses another node's topics and non-control topics", () => {
    expect(
      parseControlMessage(NODE, 'nodes/other/control/deploy', JSON.stringify(deploy)),
    ).toMatchObject({ ok: false });
    expect(parseControlMessage(NODE, `nodes/${NODE}/information`, '{}')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a control topic'),
    });
    expect(parseControlMessage(NODE, 'garbage/#', '{}')).toMatchObject({ ok: false });
  });
});
