import { normalizeImageRef } from '../runtime/image-ref';
import {
  ImageNotFoundError,
  type InstanceUsage,
  type RuntimeDriver,
} from '../runtime/runtime-driver';
import type { DesiredInstance, ObservedContainer } from '../reconcile/reconcile.types';

/**
 * An in-memory runtime for loop tests (no Docker): records every call, lets the test crash or
 * finish containers, and fires watch callbacks like Docker events would.
 */
export class FakeRuntimeDriver implements RuntimeDriver {
  readonly virtualization = 'docker';
  readonly containers = new Map<string, ObservedContainer>();
  readonly images = new Set<string>();
  readonly calls: string[] = [];
  /** Images that pull successfully; others fail with "image not found". */
  readonly registry = new Set<string>();
  /** Runs after a container starts (e.g. a one-shot that exits at once). */
  onStart: (c: ObservedContainer) => void = () => undefined;
  private seq = 0;
  private listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  ping(): Promise<void> {
    return Promise.resolve();
  }

  async list(): Promise<ObservedContainer[]> {
    return [...this.containers.values()].map((c) => ({ ...c }));
  }

  async localImages(): Promise<Set<string>> {
    return new Set([...this.images].map(normalizeImageRef));
  }

  async pull(image: string): Promise<void> {
    this.calls.push(`pull ${image}`);
    if (!this.registry.has(image)) throw new ImageNotFoundError(`image not found: ${image}`);
    this.images.add(image);
  }

  async create(instance: DesiredInstance): Promise<string> {
    const id = `fake${++this.seq}`;
    this.calls.push(`create ${instance.key} ${id}`);
    this.containers.set(id, {
      id,
      name: `${instance.spec.job_name}.instance.${instance.spec.instance_number}`,
      virtualization: 'docker',
      key: instance.key,
      jobName: instance.spec.job_name,
      instanceNumber: instance.spec.instance_number,
      generation: instance.spec.generation,
      specHash: instance.specHash,
      oneShot: instance.spec.one_shot,
      state: 'created',
      oomKilled: false,
      image: instance.spec.image,
      specLabel: JSON.stringify(instance.spec),
    });
    return id;
  }

  async start(id: string): Promise<void> {
    this.calls.push(`start ${id}`);
    const c = this.get(id);
    c.state = 'running';
    c.startedAt = this.now();
    delete c.exitCode;
    delete c.finishedAt;
    this.onStart(c);
  }

  async stop(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
    const c = this.containers.get(id);
    if (c && c.state === 'running') this.exit(id, 137, false);
  }

  async remove(id: string): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.containers.delete(id);
  }

  async stats(containers: readonly ObservedContainer[]): Promise<Map<string, InstanceUsage>> {
    return new Map(containers.map((c) => [c.id, { cpuPercent: 1, memoryPercent: 2, diskMb: 0 }]));
  }

  async logs(id: string): Promise<string> {
    return `log of ${id}\n`;
  }

  async followLogs(_id: string, write: (chunk: string) => void): Promise<void> {
    write('');
  }

  watch(onChange: () => void): { close(): void } {
    this.listeners.add(onChange);
    return { close: () => this.listeners.delete(onChange) };
  }

  close(): void {
    this.listeners.clear();
  }

  /** The container's process ends with `code` (like `die`), notifying watchers. */
  exit(id: string, code: number, notify = true): void {
    const c = this.get(id);
    c.state = 'exited';
    c.exitCode = code;
    c.finishedAt = this.now();
    if (notify) for (const l of this.listeners) l();
  }

  byKey(key: string): ObservedContainer | undefined {
    return [...this.containers.values()].find((c) => c.key === key);
  }

  private get(id: string): ObservedContainer {
    const c = this.containers.get(id);
    if (!c) throw Object.assign(new Error(`no such container ${id}`), { statusCode: 404 });
    return c;
  }
}
