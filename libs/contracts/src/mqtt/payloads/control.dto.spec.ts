import { parsePayload } from '../parse-payload';
import { ControlDeployDto, ControlErrorDto, NODE_NOT_REGISTERED_MESSAGE } from './control.dto';

/** What Oakestra's cluster publishes: the whole job document plus instance_number. */
const deploy = {
  _id: '665f1c2e9b1e8a0012345678',
  job_name: 'clientsrvr.test.nginx.test',
  instance_number: 0,
  image: 'docker.io/library/nginx:latest',
  code: 'docker.io/library/nginx:latest',
  cmd: [],
  environment: ['A=1'],
  port: '6080:80/tcp',
  status: 'NODE_SCHEDULED',
  virtualization: 'docker',
  vcpus: 1,
  memory: 100,
  volumes: [
    {
      volume_id: '/mnt/data',
      csi_driver: 'csi.oakestra.io/hostpath',
      mount_path: '/data',
      config: {},
    },
  ],
  one_shot: false,
  instance_list: [{ instance_number: 0, status: 'NODE_SCHEDULED' }],
  generation: 4,
};

describe('ControlDeployDto', () => {
  it('accepts a job document, keeps the node engine fields and drops the rest', () => {
    const result = parsePayload(ControlDeployDto, JSON.stringify(deploy));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value).toMatchObject({
      job_name: deploy.job_name,
      image: deploy.image,
      generation: 4,
      privileged: false,
      storage: 0,
    });
    expect(result.value).not.toHaveProperty('instance_list');
    expect(result.value).not.toHaveProperty('code');
  });

  it("keeps the root's sibling services", () => {
    const siblings = ['clientsrvr.test.curl.test', 'clientsrvr.test.db.test'];
    const result = parsePayload(
      ControlDeployDto,
      JSON.stringify({ ...deploy, sibling_services: siblings }),
    );
    expect(result).toMatchObject({ ok: true, value: { sibling_services: siblings } });
  });

  it('works without Canopy additions (an Oakestra cluster)', () => {
    const { generation: _generation, ...oakestra } = deploy;
    expect(parsePayload(ControlDeployDto, JSON.stringify(oakestra)).ok).toBe(true);
  });

  it.each<[string, unknown]>([
    ['image', undefined],
    ['instance_number', '0'],
    ['virtualization', ''],
    ['port', '50103:80'],
    ['environment', ['oops']],
    ['memory', -100],
    ['one_shot', 'no'],
    ['generation', 1.5],
    ['volumes', [{ volume_id: 'v' }]],
    ['sibling_services', 'clientsrvr.test.curl.test'],
    ['sibling_services', [7]],
    ['sibling_services', Array.from({ length: 51 }, (_, i) => `a.b.s${i}.b`)],
  ])('rejects a bad %s', (field, value) => {
    const body: Record<string, unknown> = { ...deploy, [field]: value };
    if (value === undefined) delete body[field];
    const result = parsePayload(ControlDeployDto, JSON.stringify(body));
    expect(result.ok ? [] : result.errors.map((e) => e.path.split('[')[0])).toContain(field);
  });
});

describe('ControlErrorDto', () => {
  it("carries Oakestra's message", () => {
    expect(
      parsePayload(ControlErrorDto, JSON.stringify({ message: NODE_NOT_REGISTERED_MESSAGE })),
    ).toMatchObject({
      ok: true,
      value: { message: 'Node not registered to the cluster' },
    });
  });
});
