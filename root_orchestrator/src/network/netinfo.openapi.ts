import type { SchemaObject } from '../common/openapi/openapi-types';

// OpenAPI schemas of the netinfo answers (see netinfo.presenter.ts). Written out here because
// these answers are built by the root, not validated from a client, so there is no contracts DTO
// to derive them from.

const SERVICE_IP: SchemaObject = {
  type: 'object',
  required: ['IpType'],
  properties: {
    Address: { type: 'string', nullable: true, example: '10.30.30.30' },
    Address_v6: { type: 'string', nullable: true, example: 'fdff:2000::30' },
    IpType: {
      type: 'string',
      description: '`RR` or `closest` in service_ip_list; `IPv4` or `IPv6` for available IPs',
    },
  },
};

export const AVAILABLE_IPS_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['available_service_ips'],
  properties: { available_service_ips: { type: 'array', items: SERVICE_IP } },
};

export const SERVICE_NETINFO_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'system_job_id',
    'applicationID',
    'service_job_id',
    'service_ip_list',
    'instance_list',
  ],
  properties: {
    system_job_id: { type: 'string', description: 'the service id' },
    applicationID: { type: 'string' },
    app_name: { type: 'string' },
    app_ns: { type: 'string' },
    service_name: { type: 'string' },
    service_ns: { type: 'string' },
    service_job_id: { type: 'string', description: 'the service id' },
    service_ip_list: { type: 'array', items: SERVICE_IP },
    instance_list: {
      type: 'array',
      items: {
        type: 'object',
        required: ['instance_number'],
        properties: {
          cluster_id: { type: 'string' },
          instance_number: { type: 'integer' },
          instance_ip: { type: 'string', example: '10.30.0.7' },
          instance_ip_v6: { type: 'string' },
        },
      },
    },
  },
};
