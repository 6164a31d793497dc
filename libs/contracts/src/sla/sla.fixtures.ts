/**
 * Reference SLA descriptors (reference/oakestra.md §3) for tests across the workspace. They are
 * plain JSON, exactly as a client would send them; use the factories to get a private copy to
 * mutate.
 */

const CURL_MICROSERVICE = {
  microserviceID: '',
  microservice_name: 'curl',
  microservice_namespace: 'test',
  virtualization: 'container',
  code: 'docker.io/curlimages/curl:7.82.0',
  cmd: ['sh', '-c', 'curl 10.30.30.30 ; sleep 5'],
  environment: ['MODE=test'],
  memory: 100,
  vcpus: 1,
  vgpus: 0,
  vtpus: 0,
  storage: 0,
  bandwidth_in: 0,
  bandwidth_out: 0,
  one_shot: true,
  port: '',
  constraints: [],
};

/** The complete v2.0 example: a curl client and an nginx server. */
export const SLA_EXAMPLE = deepFreeze({
  sla_version: 'v2.0',
  customerID: 'Admin',
  applications: [
    {
      applicationID: '',
      application_name: 'clientsrvr',
      application_namespace: 'test',
      application_desc: 'curl client + nginx server',
      microservices: [
        CURL_MICROSERVICE,
        {
          microserviceID: '',
          microservice_name: 'nginx',
          microservice_namespace: 'test',
          virtualization: 'container',
          code: 'docker.io/library/nginx:latest',
          memory: 100,
          vcpus: 1,
          port: '6080:80/tcp',
          addresses: { rr_ip: '10.30.30.30', rr_ip_v6: 'fdff:2000::30' },
          constraints: [{ type: 'direct', cluster: 'cluster1', node: 'worker1;worker2' }],
          volumes: [
            {
              volume_id: '/mnt/data',
              csi_driver: 'csi.oakestra.io/hostpath',
              mount_path: '/data',
              config: {},
            },
          ],
        },
      ],
    },
  ],
});

/** The same application with nginx as a unikernel (reference §3 "Unikernel variant"). */
export const SLA_UNIKERNEL_EXAMPLE = deepFreeze({
  sla_version: 'v2.0',
  customerID: 'Admin',
  applications: [
    {
      applicationID: '',
      application_name: 'clientsrvr',
      application_namespace: 'test',
      application_desc: 'curl client + nginx unikernel',
      microservices: [
        CURL_MICROSERVICE,
        {
          microserviceID: '',
          microservice_name: 'nginx',
          microservice_namespace: 'test',
          virtualization: 'unikernel',
          code: 'https://example.org/unikernels/nginx_amd64.tar.gz',
          arch: ['amd64'],
          port: '9000:80',
          memory: 400,
          vcpus: 1,
          addresses: { rr_ip: '10.30.30.30' },
        },
      ],
    },
  ],
});

/** A private, mutable copy of {@link SLA_EXAMPLE}. */
export function slaExample(): Mutable<typeof SLA_EXAMPLE> {
  return structuredClone(SLA_EXAMPLE) as Mutable<typeof SLA_EXAMPLE>;
}

/** A private, mutable copy of {@link SLA_UNIKERNEL_EXAMPLE}. */
export function slaUnikernelExample(): Mutable<typeof SLA_UNIKERNEL_EXAMPLE> {
  return structuredClone(SLA_UNIKERNEL_EXAMPLE) as Mutable<typeof SLA_UNIKERNEL_EXAMPLE>;
}

type Mutable<T> = T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}
