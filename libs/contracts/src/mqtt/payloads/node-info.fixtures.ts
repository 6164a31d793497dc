/**
 * A full node document with reference §5.1 field names, as a worker sends it to
 * POST /api/node/register. Plain JSON for tests across the workspace.
 */
export const NODE_INFO_EXAMPLE = Object.freeze({
  id: '665f1c2e9b1e8a0012345678',
  host: 'worker1',
  ip: '198.18.0.2',
  port: '3000',
  system_info: {
    kernel_version: '6.1.0',
    architecture: 'x86_64',
    os_version: 'linux',
    uptime: '1234',
    full_stats: '{}',
  },
  cpu_percent: 12.5,
  vcpus: 4,
  architecture: 'amd64',
  memory_percent: 40.1,
  memory: 2048,
  disk_info: { '/': '35' },
  network_info: { interface_0: 'eth0' },
  gpu_driver: '-',
  gpu_usage: 0,
  vgpus: 0,
  gpu_temp: 0,
  vram_percent: 0,
  vram: 0,
  virtualization: ['docker', 'unikernel'],
  supported_addons: [],
  csi_drivers: ['csi.oakestra.io/hostpath'],
});
