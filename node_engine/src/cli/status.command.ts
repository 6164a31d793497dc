import { StateStore, type LoadResult } from '../state/state-store';
import { isAlive } from '../agent/node-agent';
import type { NodeConfig } from '../config/node-config';
import type { CliIo } from './cli-context';

export interface StatusView {
  stateDir: string;
  cluster: string;
  nodeId?: string;
  nodeName?: string;
  registeredAt?: string;
  mqttBrokerPort?: number;
  mqttUsername?: string;
  agent: { running: boolean; pid?: number };
  lastReportAt?: string;
  mqttConnectedAt?: string;
  instances: {
    job_name: string;
    instance_number: number;
    generation?: number;
    image: string;
    one_shot: boolean;
    status?: string;
    status_detail?: string;
    restart_count?: number;
  }[];
  problems: string[];
}

/** Reads the state dir without changing it (a corrupt file is reported, not moved). */
export async function readStatus(config: NodeConfig): Promise<StatusView> {
  const store = new StateStore(config.state_dir, undefined, { quarantine: false });
  const problems: string[] = [];
  const note = <T>(name: string, r: LoadResult<T>): T | undefined => {
    if (r.state === 'corrupt') problems.push(`${store.path(name)} ${r.reason}`);
    return r.state === 'ok' ? r.value : undefined;
  };
  const identity = note('identity.json', await store.readIdentity());
  const credentials = note(
    'credentials.json',
    await store.readCredentials().catch(() => ({ state: 'missing' as const })),
  );
  const desired = note('desired.json', await store.readDesired());
  const status = note('status.json', await store.readStatus());
  const pid = await store.readPid();
  const statuses = new Map(
    (status?.instances ?? []).map((s) => [`${s.job_name}#${s.instance_number}`, s]),
  );
  const view: StatusView = {
    stateDir: config.state_dir,
    cluster: `${config.cluster_address}:${config.cluster_port}`,
    agent: { running: pid !== undefined && isAlive(pid), pid },
    instances: [...(desired?.set.instances ?? new Map()).entries()].map(([key, record]) => {
      const s = statuses.get(key);
      return {
        job_name: record.spec.job_name,
        instance_number: record.spec.instance_number,
        generation: record.spec.generation,
        image: record.spec.image,
        one_shot: record.spec.one_shot,
        status: s?.status ?? record.finished?.status,
        status_detail: s?.status_detail,
        restart_count: s?.restart_count,
      };
    }),
    problems,
  };
  if (identity) {
    view.nodeId = identity.nodeId;
    view.nodeName = identity.nodeName;
    view.registeredAt = identity.registeredAt;
    view.mqttBrokerPort = identity.mqttBrokerPort;
  }
  if (credentials?.mqttUsername) view.mqttUsername = credentials.mqttUsername;
  if (status?.lastReportAt) view.lastReportAt = status.lastReportAt;
  if (status?.mqttConnectedAt) view.mqttConnectedAt = status.mqttConnectedAt;
  return view;
}

export function formatStatus(v: StatusView, now = Date.now()): string {
  const ago = (iso?: string): string =>
    iso ? `${iso} (${Math.max(0, Math.round((now - Date.parse(iso)) / 1000))}s ago)` : 'never';
  const lines = [
    `node id:       ${v.nodeId ?? '(not registered yet)'}${v.nodeName ? `  name ${v.nodeName}` : ''}`,
    `cluster:       ${v.cluster}${v.mqttBrokerPort ? `  (MQTT port ${v.mqttBrokerPort}${v.mqttUsername ? `, user ${v.mqttUsername}` : ''})` : ''}`,
    `registered:    ${v.registeredAt ?? 'never'}`,
    `agent:         ${v.agent.running ? `running (pid ${v.agent.pid})` : 'not running'}`,
    `last report:   ${ago(v.lastReportAt)}`,
    `state dir:     ${v.stateDir}`,
    `desired instances: ${v.instances.length}`,
  ];
  if (v.instances.length > 0) {
    const header = ['JOB', 'INSTANCE', 'GEN', 'IMAGE', 'STATUS', 'DETAIL'];
    const rows = [
      header,
      ...v.instances.map((i) => [
        i.job_name,
        String(i.instance_number),
        i.generation === undefined ? '-' : String(i.generation),
        i.image,
        i.status ?? '-',
        (i.status_detail ?? '') + (i.one_shot ? ' [one_shot]' : ''),
      ]),
    ];
    const widths = header.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)));
    for (const row of rows)
      lines.push(
        `  ${row
          .map((cell, col) => cell.padEnd(widths[col] ?? 0))
          .join('  ')
          .trimEnd()}`,
      );
  }
  for (const p of v.problems) lines.push(`problem: ${p}`);
  return `${lines.join('\n')}\n`;
}

export async function statusCommand(config: NodeConfig, json: boolean, io: CliIo): Promise<void> {
  const view = await readStatus(config);
  io.out(json ? `${JSON.stringify(view, null, 2)}\n` : formatStatus(view));
}
