import { validateDto } from '../../validation/validate-dto';
import { NodeInfoDto } from './node-info.dto';
import { NODE_INFO_EXAMPLE as NODE_INFO } from './node-info.fixtures';

describe('NodeInfoDto', () => {
  it('accepts a full node document and the dynamic subset', () => {
    expect(validateDto(NodeInfoDto, NODE_INFO, { forbidUnknown: true }).ok).toBe(true);
    expect(validateDto(NodeInfoDto, { cpu_percent: 3, memory_percent: 4, memory: 100 }).ok).toBe(
      true,
    );
  });

  it("reads Go's null maps and slices as absent", () => {
    const result = validateDto(NodeInfoDto, {
      ...NODE_INFO,
      csi_drivers: null,
      disk_info: null,
      supported_addons: null,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.value.csi_drivers).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['cpu_percent', '12'],
    ['cpu_percent', -1],
    ['vcpus', 2.5],
    ['memory', -1],
    ['system_info', { uptime: 5 }],
    ['disk_info', ['35']],
    ['virtualization', 'docker'],
    ['csi_drivers', [1]],
    ['vram', null],
  ])('rejects %s = %j', (field, value) => {
    const result = validateDto(NodeInfoDto, { ...NODE_INFO, [field]: value });
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(field);
  });
});
