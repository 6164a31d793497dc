import type si from 'systeminformation';

/**
 * The systeminformation functions the agent uses, loaded from their own modules: the package's
 * index loads every collector (Wi-Fi, Bluetooth, printers, VirtualBox, ...), which costs bundle
 * size and memory on small workers for nothing.
 */
export type SystemInformation = Pick<
  typeof si,
  'currentLoad' | 'mem' | 'fsSize' | 'osInfo' | 'graphics' | 'networkInterfaces'
>;

export function loadSystemInformation(): SystemInformation {
  const cpu = require('systeminformation/lib/cpu') as Pick<typeof si, 'currentLoad'>;
  const memory = require('systeminformation/lib/memory') as Pick<typeof si, 'mem'>;
  const filesystem = require('systeminformation/lib/filesystem') as Pick<typeof si, 'fsSize'>;
  const osinfo = require('systeminformation/lib/osinfo') as Pick<typeof si, 'osInfo'>;
  const graphics = require('systeminformation/lib/graphics') as Pick<typeof si, 'graphics'>;
  const network = require('systeminformation/lib/network') as Pick<typeof si, 'networkInterfaces'>;
  return {
    currentLoad: cpu.currentLoad,
    mem: memory.mem,
    fsSize: filesystem.fsSize,
    osInfo: osinfo.osInfo,
    graphics: graphics.graphics,
    networkInterfaces: network.networkInterfaces,
  };
}
