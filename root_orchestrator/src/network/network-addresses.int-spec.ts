import { RootRoute, rootPath } from '@canopy/contracts';
import { Types } from 'mongoose';
import request from 'supertest';
import {
  adminLogin,
  bearer,
  createUser,
  type RootTestApp,
  startRootTestApp,
} from '../testing/root-test-app';
import { AddressAllocator } from './address-allocator.service';
import { poolOf } from './address-pool';
import { NetworkAddressRepository } from './network-address.repository';
import { NetworkAddressSweeper, ORPHAN_GRACE_MS } from './network-address.sweeper';

type Json = Record<string, unknown>;

interface ServiceSpec {
  name: string;
  addresses?: Json;
}

/** An SLA with one application; services are small containers, with `addresses` when given. */
function sla(appName: string, services: ServiceSpec[], applicationID = ''): Json {
  return {
    sla_version: 'v2.0',
    customerID: 'tests',
    applications: [
      {
        applicationID,
        application_name: appName,
        application_namespace: 'net',
        application_desc: '',
        microservices: services.map(({ name, addresses }) => ({
          microserviceID: '',
          microservice_name: name,
          microservice_namespace: 'net',
          virtualization: 'container',
          code: `docker.io/library/${name}:latest`,
          memory: 16,
          vcpus: 1,
          ...(addresses ? { addresses } : {}),
        })),
      },
    ],
  };
}

/** Every address claimed in the database, as "kind:address". */
async function claimed(root: RootTestApp): Promise<string[]> {
  const docs = await root.db.collection('network_addresses').find().toArray();
  return docs.map((d) => `${String(d['kind'])}:${String(d['address'])}`).sort();
}

/** Every address a stored service or instance holds. */
async function held(root: RootTestApp): Promise<string[]> {
  const services = await root.db.collection('services').find().toArray();
  const addresses: string[] = [];
  for (const s of services) {
    for (const e of (s['service_ip_list'] as { Address: string }[] | undefined) ?? []) {
      addresses.push(`service:${e.Address}`);
    }
    for (const i of (s['instance_list'] as { instance_ip?: string }[] | undefined) ?? []) {
      if (i.instance_ip) addresses.push(`instance:${i.instance_ip}`);
    }
  }
  return addresses.sort();
}

describe('root network addresses: ServiceIPs, InstanceIPs, netinfo (real FerretDB)', () => {
  let root: RootTestApp;
  let alice: string;
  let bob: string;
  let admin: string;
  let serial = 0;
  const name = (prefix: string): string => `${prefix}${++serial}`;

  /** Creates an application as alice; answers the created app's service documents, in order. */
  async function createApp(services: ServiceSpec[], token = alice): Promise<Json[]> {
    const appName = name('app');
    const res = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send(sla(appName, services));
    if (res.status !== 200) throw new Error(`create ${appName}: ${res.status} ${res.text}`);
    const app = (res.body as Json[]).find((a) => a['application_name'] === appName) as Json;
    const list = await request(root.url)
      .get(rootPath(RootRoute.SERVICES_OF_APPLICATION, { appid: String(app['applicationID']) }))
      .set(bearer(token))
      .expect(200);
    return list.body as Json[];
  }

  beforeAll(async () => {
    root = await startRootTestApp();
    admin = (await adminLogin(root)).token;
    alice = (await createUser(root, admin, 'alice')).token;
    bob = (await createUser(root, admin, 'bob')).token;
  });

  afterAll(() => root.close());

  // Invariant behind every test: what is claimed is exactly what stored services hold.
  afterEach(async () => {
    expect(await claimed(root)).toEqual(await held(root));
  });

  it('gives every service a round-robin and a closest ServiceIP from 10.30.0.0/16', async () => {
    const [web] = await createApp([{ name: 'web' }]);
    const list = web?.['service_ip_list'] as Json[];
    expect(list.map((e) => e['IpType'])).toEqual(['RR', 'closest']);
    expect(web?.['RR_ip']).toBe(list[0]?.['Address']);
    for (const e of list) expect(e['Address']).toMatch(/^10\.30\.\d+\.\d+$/);
    expect(list[0]?.['Address']).not.toBe(list[1]?.['Address']);
    expect(web?.['RR_ip']).not.toBe('10.30.0.0'); // never the network address
  });

  it('50 concurrent registrations never get the same address twice', async () => {
    const before = (await claimed(root)).length;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(root.url)
          .post(RootRoute.APPLICATION_CREATE)
          .set(bearer(alice))
          .send(sla(`burst${i}`, [{ name: 'svc' }])),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const addresses = await claimed(root);
    expect(addresses).toHaveLength(before + 100);
    expect(new Set(addresses.map((a) => a.split(':')[1])).size).toBe(addresses.length);
  });

  it('50 concurrent scale-ups get 50 distinct InstanceIPs, none shared with a ServiceIP', async () => {
    const services = await createApp([1, 2, 3, 4, 5].map((n) => ({ name: `inst${n}` })));
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(root.url)
          .post(
            rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: String(services[i % 5]?.['_id']) }),
          )
          .set(bearer(alice)),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const instanceIps: string[] = [];
    for (const s of services) {
      const doc = (
        await request(root.url)
          .get(rootPath(RootRoute.SERVICE, { serviceid: String(s['_id']) }))
          .set(bearer(alice))
          .expect(200)
      ).body as Json;
      const instances = doc['instance_list'] as Json[];
      expect(instances).toHaveLength(10);
      for (const i of instances) instanceIps.push(String(i['instance_ip']));
    }
    expect(new Set(instanceIps).size).toBe(50);
    const all = (await claimed(root)).map((a) => a.split(':')[1]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('two allocators with independent cursors (two root processes) still never collide', async () => {
    const repository = root.app.get(NetworkAddressRepository);
    const [a, b] = [new AddressAllocator(repository), new AddressAllocator(repository)];
    const pool = poolOf('10.30.0.0/16');
    const claims = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).claimNext(pool, { kind: 'service', service_id: 'processes' }),
      ),
    );
    expect(new Set(claims.map((c) => c.address)).size).toBe(50);
    const stored = await root.db
      .collection('network_addresses')
      .countDocuments({ service_id: 'processes' });
    expect(stored).toBe(50);
    await repository.deleteOfServices(['processes']);
  });

  it('keeps its cursor in the database: a restarted root resumes where this one stopped', async () => {
    const [svc] = await createApp([{ name: 'cursor' }]);
    const closest = String((svc?.['service_ip_list'] as Json[])[1]?.['Address']);
    const cursor = await root.db.collection('network_pool_cursors').findOne({});
    expect(cursor).toMatchObject({ _id: '10.30.0.0/16', last: closest });
    // A fresh allocator (as after a restart) loads the cursor: it does not start over at .1.
    const fresh = new AddressAllocator(root.app.get(NetworkAddressRepository));
    const [next] = await fresh.peekFree(poolOf('10.30.0.0/16'), 1);
    const answer = await request(root.url)
      .get(RootRoute.NETINFO_AVAILABLE_IP)
      .set(bearer(alice))
      .expect(200);
    expect(next).toBe(answer.body.available_service_ips[0].Address);
    expect(next).not.toBe('10.30.0.1');
  });

  it('honours a requested rr_ip; a taken one is a 409 naming the field; nothing is left behind', async () => {
    const [, nginx] = await createApp([
      { name: 'curl' },
      { name: 'nginx', addresses: { rr_ip: '10.30.30.30', rr_ip_v6: 'fdff:2000::30' } },
    ]);
    expect(nginx).toMatchObject({
      RR_ip: '10.30.30.30',
      RR_ip_v6: 'fdff:2000::30',
      addresses: { rr_ip: '10.30.30.30', rr_ip_v6: 'fdff:2000::30' },
    });
    expect((nginx?.['service_ip_list'] as Json[])[0]).toEqual({
      IpType: 'RR',
      Address: '10.30.30.30',
      Address_v6: 'fdff:2000::30',
    });

    const before = await claimed(root);
    const apps = await root.db.collection('applications').countDocuments();
    // The 2nd service's address is taken: the 1st service's address, claimed just before, goes
    // back (requested addresses are claimed first, in order).
    const res = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(bob))
      .send(
        sla('taken', [
          { name: 'first', addresses: { rr_ip: '10.30.31.31' } },
          { name: 'second', addresses: { rr_ip: '10.30.30.30' } },
        ]),
      )
      .expect(409);
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'The address 10.30.30.30 is already in use',
      details: [
        {
          path: 'applications[0].microservices[1].addresses.rr_ip',
          message: 'rr_ip 10.30.30.30 is already assigned to another service or instance',
        },
      ],
    });
    expect(await claimed(root)).toEqual(before);
    expect(await root.db.collection('applications').countDocuments()).toBe(apps);

    // POST /api/service/ (adding to an existing application) behaves the same.
    const app = (await root.db.collection('applications').findOne({ userId: 'alice' })) as Json;
    const add = await request(root.url)
      .post(RootRoute.SERVICE_CREATE)
      .set(bearer(alice))
      .send(
        sla(
          'ignored',
          [
            { name: 'addok', addresses: { rr_ip: '10.30.31.32' } },
            { name: 'addbad', addresses: { closest_ip: '10.30.30.30' } },
          ],
          String(app['_id']),
        ),
      )
      .expect(409);
    expect(add.body.details).toEqual([
      {
        path: 'applications[0].microservices[1].addresses.closest_ip',
        message: 'closest_ip 10.30.30.30 is already assigned to another service or instance',
      },
    ]);
    expect(await claimed(root)).toEqual(before);
  });

  it('a requested address held as an InstanceIP is taken too (one pool)', async () => {
    const [svc] = await createApp([{ name: 'holder' }]);
    await request(root.url)
      .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: String(svc?.['_id']) }))
      .set(bearer(alice))
      .expect(200);
    const stored = (await root.db
      .collection('services')
      .findOne({ job_name: svc?.['job_name'] })) as Json;
    const instanceIp = String((stored['instance_list'] as Json[])[0]?.['instance_ip']);
    expect(instanceIp).toMatch(/^10\.30\./);
    await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(alice))
      .send(sla(name('clash'), [{ name: 'x', addresses: { rr_ip: instanceIp } }]))
      .expect(409);
  });

  it('out of range, network/broadcast, or named twice → 422 with the field path; nothing claimed', async () => {
    const before = await claimed(root);
    const res = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(alice))
      .send(
        sla(name('bad'), [
          { name: 'ok', addresses: { rr_ip: '10.30.44.44' } },
          { name: 'out', addresses: { rr_ip: '10.31.0.1', closest_ip: '10.30.255.255' } },
          { name: 'twice', addresses: { rr_ip: '10.30.44.44' } },
        ]),
      )
      .expect(422);
    expect(res.body.details).toEqual([
      {
        path: 'applications[0].microservices[1].addresses.rr_ip',
        message: 'rr_ip must be inside the pool 10.30.0.0/16 (got 10.31.0.1)',
      },
      {
        path: 'applications[0].microservices[1].addresses.closest_ip',
        message: 'closest_ip must not be the broadcast address of 10.30.0.0/16',
      },
      {
        path: 'applications[0].microservices[2].addresses.rr_ip',
        message:
          'rr_ip 10.30.44.44 is already named at applications[0].microservices[0].addresses.rr_ip',
      },
    ]);
    // Malformed: the SLA validation already names the field.
    const malformed = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(alice))
      .send(sla(name('bad'), [{ name: 'a' }, { name: 'b', addresses: { rr_ip: '10.30.0.256' } }]))
      .expect(422);
    expect(malformed.body.details).toEqual([
      expect.objectContaining({ path: 'applications[0].microservices[1].addresses.rr_ip' }),
    ]);
    expect(await claimed(root)).toEqual(before);
  });

  it('concurrent requests for one rr_ip: exactly one wins', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        request(root.url)
          .post(RootRoute.APPLICATION_CREATE)
          .set(bearer(alice))
          .send(sla(`race${i}`, [{ name: 'r', addresses: { rr_ip: '10.30.77.77' } }])),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(9).fill(409)]);
  });

  it('delete releases: instance, service and application addresses can be claimed again', async () => {
    const [svc] = await createApp([{ name: 'gone', addresses: { rr_ip: '10.30.50.50' } }]);
    const id = String(svc?.['_id']);
    await request(root.url)
      .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: id }))
      .set(bearer(alice))
      .expect(200);
    const doc = (
      await request(root.url)
        .get(rootPath(RootRoute.SERVICE, { serviceid: id }))
        .set(bearer(alice))
    ).body as Json;
    const instanceIp = String((doc['instance_list'] as Json[])[0]?.['instance_ip']);
    const closestIp = String((doc['service_ip_list'] as Json[])[1]?.['Address']);

    // Scale down: the InstanceIP is free again (and a service may ask for it).
    await request(root.url)
      .delete(rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, { serviceid: id, instance_number: 0 }))
      .set(bearer(alice))
      .expect(200);
    expect(await claimed(root)).not.toContain(`instance:${instanceIp}`);
    const [reuse] = await createApp([{ name: 'reuse', addresses: { rr_ip: instanceIp } }]);
    expect(reuse?.['RR_ip']).toBe(instanceIp);

    // Delete the service: both its ServiceIPs are free again.
    await request(root.url)
      .delete(rootPath(RootRoute.SERVICE, { serviceid: id }))
      .set(bearer(alice))
      .expect(200);
    const [again] = await createApp([
      { name: 'again', addresses: { rr_ip: '10.30.50.50', closest_ip: closestIp } },
    ]);
    expect(again?.['service_ip_list']).toEqual([
      { IpType: 'RR', Address: '10.30.50.50' },
      { IpType: 'closest', Address: closestIp },
    ]);

    // Delete the application: likewise.
    await request(root.url)
      .delete(rootPath(RootRoute.APPLICATION, { appid: String(again?.['applicationID']) }))
      .set(bearer(alice))
      .expect(200);
    expect(await claimed(root)).not.toContain('service:10.30.50.50');
    await createApp([{ name: 'third', addresses: { rr_ip: '10.30.50.50' } }]);
  });

  it('PUT may repeat the addresses but not move them', async () => {
    const [svc] = await createApp([{ name: 'put', addresses: { rr_ip: '10.30.60.60' } }]);
    const path = rootPath(RootRoute.SERVICE, { serviceid: String(svc?.['_id']) });
    const spec = {
      microservice_name: 'put',
      microservice_namespace: 'net',
      virtualization: 'container',
      code: 'docker.io/library/put:2',
    };
    const moved = await request(root.url)
      .put(path)
      .set(bearer(alice))
      .send({ ...spec, addresses: { rr_ip: '10.30.60.61' } })
      .expect(422);
    expect(moved.body.details).toEqual([
      {
        path: 'addresses.rr_ip',
        message: 'rr_ip is 10.30.60.60 and cannot change; delete the service and add it again',
      },
    ]);
    const same = await request(root.url).put(path).set(bearer(alice)).send(spec).expect(200);
    expect(same.body.service).toMatchObject({
      RR_ip: '10.30.60.60',
      code: 'docker.io/library/put:2',
      service_ip_list: svc?.['service_ip_list'],
    });
    expect(same.body.service).not.toHaveProperty('addresses');
  });

  it('sweeps claims nothing refers to, once they are older than the grace period', async () => {
    const collection = root.db.collection('network_addresses');
    const old = new Date(Date.now() - ORPHAN_GRACE_MS - 60_000);
    await collection.insertMany([
      {
        family: 4,
        address: '10.30.99.1',
        pool: '10.30.0.0/16',
        kind: 'service',
        service_id: 'f'.repeat(24),
        claimed_at: old,
      },
      {
        family: 4,
        address: '10.30.99.2',
        pool: '10.30.0.0/16',
        kind: 'service',
        service_id: 'f'.repeat(24),
        claimed_at: new Date(),
      },
    ]);
    const [svc] = await createApp([{ name: 'kept' }]);
    await collection.insertOne({
      family: 4,
      address: '10.30.99.3',
      pool: '10.30.0.0/16',
      kind: 'instance',
      service_id: String(svc?.['_id']),
      claimed_at: old,
    });
    await collection.updateMany(
      { service_id: String(svc?.['_id']) },
      { $set: { claimed_at: old } },
    );
    expect(await root.app.get(NetworkAddressSweeper).sweep()).toBe(2);
    const left = (await claimed(root)).filter((a) => a.includes('10.30.99.'));
    expect(left).toEqual(['service:10.30.99.2']);
    await collection.deleteMany({ address: '10.30.99.2' });
  });

  describe('netinfo routes (Oakestra root service manager)', () => {
    let web: Json;
    let instanceIp: string;

    beforeAll(async () => {
      [web] = (await createApp([{ name: 'netweb', addresses: { rr_ip: '10.30.88.88' } }])) as [
        Json,
      ];
      await request(root.url)
        .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: String(web['_id']) }))
        .set(bearer(alice))
        .expect(200);
      const doc = (
        await request(root.url)
          .get(rootPath(RootRoute.SERVICE, { serviceid: String(web['_id']) }))
          .set(bearer(alice))
      ).body as Json;
      instanceIp = String((doc['instance_list'] as Json[])[0]?.['instance_ip']);
    });

    const netinfo = (): Json => ({
      system_job_id: web['_id'],
      applicationID: web['applicationID'],
      app_ns: 'net',
      app_name: web['app_name'],
      service_ns: 'net',
      service_name: 'netweb',
      service_job_id: web['_id'],
      service_ip_list: web['service_ip_list'],
      instance_list: [{ instance_number: 0, instance_ip: instanceIp }],
    });

    it('finds a service by job name, with dots or underscores', async () => {
      const jobName = String(web['job_name']);
      for (const spelled of [jobName, jobName.replaceAll('.', '_')]) {
        const res = await request(root.url)
          .get(rootPath(RootRoute.NETINFO_SERVICE_BY_NAME, { service_name: spelled }))
          .set(bearer(alice))
          .expect(200);
        expect(res.body).toEqual(netinfo());
      }
    });

    it('finds a service by its RR, closest or instance IP (dots or underscores)', async () => {
      const closest = String((web['service_ip_list'] as Json[])[1]?.['Address']);
      for (const ip of ['10.30.88.88', '10_30_88_88', closest, instanceIp]) {
        const res = await request(root.url)
          .get(rootPath(RootRoute.NETINFO_SERVICE_BY_IP, { service_ip: ip }))
          .set(bearer(alice))
          .expect(200);
        expect(res.body).toEqual(netinfo());
      }
    });

    it('answers 404 for unknown services and 400 for a malformed IP', async () => {
      await request(root.url)
        .get(rootPath(RootRoute.NETINFO_SERVICE_BY_NAME, { service_name: 'no.such.service.here' }))
        .set(bearer(alice))
        .expect(404);
      await request(root.url)
        .get(rootPath(RootRoute.NETINFO_SERVICE_BY_IP, { service_ip: '10.30.254.253' }))
        .set(bearer(alice))
        .expect(404);
      const bad = await request(root.url)
        .get(rootPath(RootRoute.NETINFO_SERVICE_BY_IP, { service_ip: 'not-an-ip' }))
        .set(bearer(alice))
        .expect(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ path: 'service_ip' })]);
    });

    it("hides another user's service (404), and needs a token (401); Admin sees all", async () => {
      const byName = rootPath(RootRoute.NETINFO_SERVICE_BY_NAME, {
        service_name: String(web['job_name']),
      });
      const byIp = rootPath(RootRoute.NETINFO_SERVICE_BY_IP, { service_ip: '10.30.88.88' });
      for (const path of [byName, byIp]) {
        await request(root.url).get(path).set(bearer(bob)).expect(404);
        await request(root.url).get(path).expect(401);
        await request(root.url).get(path).set(bearer(admin)).expect(200);
      }
      await request(root.url).get(RootRoute.NETINFO_AVAILABLE_IP).expect(401);
    });

    it('lists the next free ServiceIPs without reserving them', async () => {
      const api = request(root.url);
      const one = await api.get(RootRoute.NETINFO_AVAILABLE_IP).set(bearer(alice)).expect(200);
      expect(one.body).toEqual({
        available_service_ips: [
          { Address: expect.stringMatching(/^10\.30\./), Address_v6: null, IpType: 'IPv4' },
        ],
      });
      const next = one.body.available_service_ips[0].Address as string;
      // Not reserved: asking again gives the same address...
      const three = await api
        .get(rootPath(RootRoute.NETINFO_AVAILABLE_IPS, { x: 3 }))
        .query({ v: '4' })
        .set(bearer(alice))
        .expect(200);
      const listed = (three.body.available_service_ips as Json[]).map((e) => e['Address']);
      expect(listed).toHaveLength(3);
      expect(listed[0]).toBe(next);
      expect(new Set(listed).size).toBe(3);
      // ...and they are what the next registration gets.
      const [svc] = await createApp([{ name: 'peeked' }]);
      expect((svc?.['service_ip_list'] as Json[]).map((e) => e['Address'])).toEqual(
        listed.slice(0, 2),
      );
      const v6 = await api
        .get(RootRoute.NETINFO_AVAILABLE_IP)
        .query({ v: '6' })
        .set(bearer(alice))
        .expect(200);
      expect(v6.body).toEqual({ available_service_ips: [] });
    });

    it('refuses a bad count or family with 400', async () => {
      const api = request(root.url);
      for (const x of ['0', '257', 'abc', '-1']) {
        const res = await api
          .get(rootPath(RootRoute.NETINFO_AVAILABLE_IPS, { x }))
          .set(bearer(alice))
          .expect(400);
        expect(res.body.details).toEqual([expect.objectContaining({ path: 'x' })]);
      }
      await api
        .get(RootRoute.NETINFO_AVAILABLE_IP)
        .query({ v: '5' })
        .set(bearer(alice))
        .expect(400);
    });

    it('documents the routes in the OpenAPI document', async () => {
      const doc = (await request(root.url).get(RootRoute.DOCS_JSON).expect(200)).body as {
        paths: Record<string, unknown>;
      };
      for (const path of [
        '/api/pubnet/service/netinfo/available-ip',
        '/api/pubnet/service/netinfo/available-ip/{x}',
        '/api/pubnet/service/netinfo/ip/{service_ip}',
        '/api/pubnet/service/netinfo/{service_name}',
      ]) {
        expect(doc.paths).toHaveProperty([path]);
      }
    });
  });
});

describe('root network addresses: tiny pools run out cleanly', () => {
  let root: RootTestApp;
  let token: string;

  beforeAll(async () => {
    // 6 usable ServiceIPs (3 services), 2 usable InstanceIPs.
    root = await startRootTestApp({
      env: { SERVICE_IP_POOL: '10.99.0.0/29', INSTANCE_IP_POOL: '10.98.0.0/30' },
    });
    const admin = (await adminLogin(root)).token;
    token = (await createUser(root, admin, 'carol')).token;
  });

  afterAll(() => root.close());

  it('refuses the service that does not fit with 409, releasing what its request claimed', async () => {
    const api = request(root.url);
    await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send(sla('one', [{ name: 'a' }]))
      .expect(200);
    await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send(sla('two', [{ name: 'b' }]))
      .expect(200);
    expect(await claimed(root)).toHaveLength(4);
    // Room for one more service, not two: the first one's addresses are released again.
    const res = await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send(sla('three', [{ name: 'c' }, { name: 'd' }]))
      .expect(409);
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message:
        'The address pool 10.99.0.0/29 is exhausted: no free address among its 6 usable addresses',
    });
    expect(await claimed(root)).toHaveLength(4);
    expect(await root.db.collection('applications').countDocuments()).toBe(2);
    expect(await root.db.collection('services').countDocuments()).toBe(2);
    // The last service fits.
    await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send(sla('four', [{ name: 'e' }]))
      .expect(200);
    const addresses = (await claimed(root)).map((a) => a.split(':')[1]);
    expect(addresses.sort()).toEqual(
      ['10.99.0.1', '10.99.0.2', '10.99.0.3', '10.99.0.4', '10.99.0.5', '10.99.0.6'].sort(),
    );
    const available = await api.get(RootRoute.NETINFO_AVAILABLE_IP).set(bearer(token)).expect(200);
    expect(available.body).toEqual({ available_service_ips: [] });
  });

  it('refuses the scale-up that does not fit with 409 and adds no instance', async () => {
    const api = request(root.url);
    const service = (await root.db.collection('services').findOne({})) as Json & {
      _id: Types.ObjectId;
    };
    const path = rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: String(service['_id']) });
    await api.post(path).set(bearer(token)).expect(200);
    await api.post(path).set(bearer(token)).expect(200);
    const full = await api.post(path).set(bearer(token)).expect(409);
    expect(full.body.message).toBe(
      'The address pool 10.98.0.0/30 is exhausted: no free address among its 2 usable addresses',
    );
    const after = (await root.db.collection('services').findOne({ _id: service['_id'] })) as Json;
    expect(after['instance_list']).toHaveLength(2);
    expect(after['next_instance_progressive_number']).toBe(2);
    // Scale down one: its address serves the next scale-up.
    await api
      .delete(
        rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, {
          serviceid: String(service['_id']),
          instance_number: 0,
        }),
      )
      .set(bearer(token))
      .expect(200);
    const freed = (after['instance_list'] as Json[])[0]?.['instance_ip'];
    expect((await api.post(path).set(bearer(token)).expect(200)).body.instance_number).toBe(2);
    const last = (await root.db.collection('services').findOne({ _id: service['_id'] })) as Json;
    expect((last['instance_list'] as Json[]).map((i) => i['instance_ip'])).toContain(freed);
  });
});
