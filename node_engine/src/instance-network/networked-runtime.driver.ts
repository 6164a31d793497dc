import type { DesiredInstance, ObservedContainer } from '../reconcile/reconcile.types';
import type {
  InstanceUsage,
  LogsOptions,
  PullOptions,
  RuntimeDriver,
} from '../runtime/runtime-driver';
import type { InstanceNetworkService } from './instance-network.service';

/**
 * A runtime driver with the worker data plane (config `network.enabled`): the inner driver
 * creates containers without Docker networking; this decorator attaches each container's
 * namespace after every start (a restart means a new namespace), detaches it before removal,
 * and on every listing (each reconcile pass) re-attaches running containers whose namespace is
 * not attached. The reconcile loop is unaware of it.
 */
export class NetworkedRuntimeDriver implements RuntimeDriver {
  readonly virtualization: string;

  constructor(
    private readonly inner: RuntimeDriver,
    private readonly network: InstanceNetworkService,
  ) {
    this.virtualization = inner.virtualization;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  async list(): Promise<ObservedContainer[]> {
    const observed = await this.inner.list();
    await this.network.syncObserved(observed);
    return observed;
  }

  localImages(): Promise<Set<string>> {
    return this.inner.localImages();
  }

  pull(image: string, options?: PullOptions): Promise<void> {
    return this.inner.pull(image, options);
  }

  create(instance: DesiredInstance): Promise<string> {
    return this.inner.create(instance);
  }

  async start(containerId: string): Promise<void> {
    await this.inner.start(containerId);
    await this.network.afterStart(containerId);
  }

  stop(containerId: string, timeoutSeconds?: number): Promise<void> {
    return this.inner.stop(containerId, timeoutSeconds);
  }

  async remove(containerId: string): Promise<void> {
    await this.network.beforeRemove(containerId);
    await this.inner.remove(containerId);
  }

  stats(containers: readonly ObservedContainer[]): Promise<Map<string, InstanceUsage>> {
    return this.inner.stats(containers);
  }

  logs(containerId: string, options?: LogsOptions): Promise<string> {
    return this.inner.logs(containerId, options);
  }

  followLogs(
    containerId: string,
    write: (chunk: string) => void,
    options?: LogsOptions,
  ): Promise<void> {
    return this.inner.followLogs(containerId, write, options);
  }

  watch(onChange: () => void): { close(): void } {
    return this.inner.watch(onChange);
  }

  close(): void {
    this.inner.close();
  }
}
