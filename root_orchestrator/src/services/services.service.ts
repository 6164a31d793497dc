import {
  type MessageDto,
  SERVICE_ROLLOUT_NOT_APPLIED,
  type ServiceDeploymentResultDto,
  type SlaMicroserviceDto,
  SlaMicroserviceDto as SlaMicroserviceClass,
  validateDto,
} from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import type { Application } from '../applications/application.model';
import { ApplicationRepository } from '../applications/application.repository';
import { isAdmin, requireAdmin, requireApplicationProvider } from '../auth/policies';
import type { Principal } from '../auth/principal';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  UnprocessableError,
} from '../common/errors/domain-errors';
import { ClusterCommandsService } from '../cluster-session/cluster-commands.service';
import { generationOf } from '../clusters/instance-assignment';
import { NetworkAddressesService } from '../network/network-addresses.service';
import { NetworkInterestService } from '../network-interest/network-interest.service';
import { SchedulingQueue } from '../scheduling/scheduling-queue.repository';
import {
  buildServiceDocument,
  jobNameOf,
  type ServiceParent,
  specChanges,
  specDocument,
  withAddresses,
} from './service-document';
import type { PlannedService, StoredService } from './service.model';
import { toServiceDto } from './service.presenter';
import { ServiceRepository } from './service.repository';
import { assertJobNamesFree, duplicateMicroservices } from './service.rules';
import { parseSlaBody } from './sla-body';

export const SERVICE_NOT_FOUND = 'Service not found';
export const APPLICATION_NOT_FOUND = 'Application not found';
export const SERVICE_UPDATED =
  'Service updated. Running instances keep the previous specification until they are ' +
  'redeployed: rolling updates are not implemented yet';

export interface ServiceUpdateResult {
  message: string;
  rollout: typeof SERVICE_ROLLOUT_NOT_APPLIED;
  service: Record<string, unknown>;
}

/** A microservice of an SLA with where it sits in the request (for error paths). */
export interface LocatedMicroservice {
  microservice: SlaMicroserviceDto;
  path: string;
}

@Injectable()
export class ServicesService {
  constructor(
    private readonly services: ServiceRepository,
    private readonly applications: ApplicationRepository,
    private readonly queue: SchedulingQueue,
    private readonly commands: ClusterCommandsService,
    private readonly network: NetworkAddressesService,
    private readonly tables: NetworkInterestService,
  ) {}

  // ------------------------------------------------------------------ visibility

  /** The application if the caller owns it or is Admin; otherwise 404 (not 403: no leak). */
  async visibleApplication(principal: Principal, applicationId: string): Promise<Application> {
    const app = await this.applications.findById(applicationId);
    if (!app || (!isAdmin(principal) && app.userId !== principal.username)) {
      throw new NotFoundError(APPLICATION_NOT_FOUND);
    }
    return app;
  }

  /** The service if its application is visible to the caller; otherwise 404. */
  async visibleService(principal: Principal, serviceId: string): Promise<StoredService> {
    const service = await this.services.findById(serviceId);
    if (!service) throw new NotFoundError(SERVICE_NOT_FOUND);
    if (isAdmin(principal)) return service;
    const app = await this.applications.findById(service.applicationID);
    if (!app || app.userId !== principal.username) throw new NotFoundError(SERVICE_NOT_FOUND);
    return service;
  }

  // ------------------------------------------------------------------ reads

  async get(principal: Principal, serviceId: string): Promise<Record<string, unknown>> {
    requireApplicationProvider(principal);
    return toServiceDto(await this.visibleService(principal, serviceId));
  }

  async listOfApplication(
    principal: Principal,
    applicationId: string,
  ): Promise<Record<string, unknown>[]> {
    requireApplicationProvider(principal);
    const app = await this.visibleApplication(principal, applicationId);
    return (await this.services.findByApplication(app.id)).map(toServiceDto);
  }

  async listAll(principal: Principal): Promise<Record<string, unknown>[]> {
    requireAdmin(principal);
    return (await this.services.list()).map(toServiceDto);
  }

  // ------------------------------------------------------------------ writes

  /**
   * POST /api/service/: adds the SLA's microservices to the existing application
   * `applications[0].applicationID`. All or nothing: validated as a whole first, then their
   * addresses claimed and the services written; if attaching them to the application fails, they
   * are removed again and their addresses released.
   */
  async addToApplication(principal: Principal, body: unknown): Promise<ServiceDeploymentResultDto> {
    requireApplicationProvider(principal);
    const sla = parseSlaBody(body);
    const slaApp = sla.applications[0];
    if (sla.applications.length !== 1 || !slaApp) {
      throw new UnprocessableError('The SLA must describe exactly one application', [
        { path: 'applications', message: 'applications must contain exactly one application' },
      ]);
    }
    const duplicates = duplicateMicroservices(slaApp.microservices, 'applications[0]');
    if (duplicates.length > 0)
      throw new UnprocessableError('The SLA names a service twice', duplicates);
    if (!slaApp.applicationID) {
      throw new UnprocessableError('applicationID is required to add services', [
        {
          path: 'applications[0].applicationID',
          message: 'applicationID must be the id of an existing application',
        },
      ]);
    }
    // The stored application's names count (as in Oakestra), not the SLA's copy of them.
    const app = await this.visibleApplication(principal, slaApp.applicationID);
    const located = slaApp.microservices.map((microservice, j) => ({
      microservice,
      path: `applications[0].microservices[${j}]`,
    }));
    const planned = await this.planServices(app, located);
    await this.insertPlanned(planned);
    const ids = planned.map((p) => p.id);
    if (!(await this.applications.pushMicroservices(app.id, ids))) {
      await this.deletePlanned(planned); // the application was deleted meanwhile
      throw new NotFoundError(APPLICATION_NOT_FOUND);
    }
    return {
      job_id: ids[ids.length - 1] ?? '',
      deployed_services: planned.map((p) => ({
        service_name: String(p.document['microservice_name']),
        status: 200,
        job_id: p.id,
      })),
      failed_services: [],
    };
  }

  /**
   * PUT /api/service/<id>: replaces the stored spec (body: an SLA with exactly one application and
   * one microservice, or that microservice alone). Name and namespace cannot change (they make
   * the job name). Instances, counters and ids stay; running instances are not touched.
   */
  async update(
    principal: Principal,
    serviceId: string,
    body: unknown,
  ): Promise<ServiceUpdateResult> {
    requireApplicationProvider(principal);
    const service = await this.visibleService(principal, serviceId);
    const microservice = parseServiceSpec(body);
    const renamed = (['microservice_name', 'microservice_namespace'] as const).filter(
      (field) => microservice[field] !== service[field],
    );
    if (renamed.length > 0) {
      throw new UnprocessableError(
        'A service cannot be renamed; delete it and add a new one',
        renamed.map((field) => ({ path: field, message: `${field} must stay ${service[field]}` })),
      );
    }
    this.network.checkUpdate(service.document, microservice.addresses);
    const { set, unset } = specChanges(service.document, specDocument(microservice));
    const updated = await this.services.updateFields(service.id, set, unset);
    if (!updated) throw new NotFoundError(SERVICE_NOT_FOUND);
    return {
      message: SERVICE_UPDATED,
      rollout: SERVICE_ROLLOUT_NOT_APPLIED,
      service: toServiceDto(updated),
    };
  }

  /**
   * DELETE /api/service/<id>: detaches it from its application, drops its queued jobs, then
   * deletes it. Each step is idempotent; after a crash in between, the same DELETE finishes.
   */
  async delete(principal: Principal, serviceId: string): Promise<MessageDto> {
    requireApplicationProvider(principal);
    const service = await this.visibleService(principal, serviceId);
    await this.applications.pullMicroservice(service.applicationID, service.id);
    await this.removeServices([service]);
    return { message: 'Job deleted' };
  }

  // ------------------------------------------------------------------ shared with applications

  /**
   * Job documents for these microservices of `parent`, after checking that the addresses they
   * request are usable (422 with the SLA paths) and that their job names are unique in the
   * request and free in the database (409 with the SLA paths otherwise). Writes nothing.
   */
  async planServices(
    parent: ServiceParent,
    microservices: readonly LocatedMicroservice[],
  ): Promise<PlannedService[]> {
    this.network.checkRequested(
      microservices.map(({ microservice, path }) => ({ path, addresses: microservice.addresses })),
    );
    const planned = microservices.map(({ microservice, path }) => {
      const id = this.services.newId();
      return {
        id,
        path,
        namePath: `${path}.microservice_name`,
        jobName: jobNameOf(parent, microservice),
        document: buildServiceDocument(parent, microservice, id),
        addresses: microservice.addresses,
      };
    });
    assertJobNamesFree(
      planned.map(({ namePath, jobName }) => ({ path: namePath, jobName })),
      await this.services.existingJobNames(planned.map((p) => p.jobName)),
    );
    return planned.map(({ id, document, path, addresses }) => ({ id, document, path, addresses }));
  }

  /**
   * Claims the planned services' addresses (all or nothing, see NetworkAddressesService), then
   * inserts the services with them; on failure removes whatever part was written and releases
   * the addresses, then rethrows.
   */
  async insertPlanned(planned: readonly PlannedService[]): Promise<void> {
    const addresses = await this.network.allocateForServices(
      planned.map((p) => ({ serviceId: p.id, path: p.path, addresses: p.addresses })),
    );
    const addressed = planned.map((p) => {
      const claimed = addresses.get(p.id);
      return claimed ? { ...p, document: withAddresses(p.document, claimed) } : p;
    });
    try {
      await this.services.insertMany(addressed);
    } catch (error) {
      await this.deletePlanned(planned);
      throw error;
    }
  }

  /**
   * Drops the services' queued scheduling jobs, then the services, then tells the clusters that
   * hold their instances (offline ones undeploy them on their next report's reconcile).
   */
  async removeServices(services: readonly StoredService[]): Promise<void> {
    for (const service of services) {
      await this.queue.removeInstances(
        service.id,
        service.instance_list.map((i) => ({
          instanceNumber: i.instance_number,
          generation: generationOf(i),
        })),
      );
    }
    await this.services.deleteByIds(services.map((s) => s.id));
    // Only once the services are gone: an address must never be free while a service holds it.
    await this.network.releaseServices(services.map((s) => s.id));
    for (const service of services) {
      this.commands.undeployRemoved(service.id, service.instance_list, true);
    }
    this.tables.changed();
  }

  /**
   * Removes services that were inserted moments ago (no instances, no jobs yet), then releases
   * their addresses.
   */
  async deletePlanned(planned: readonly PlannedService[]): Promise<void> {
    const ids = planned.map((p) => p.id);
    await this.services.deleteByIds(ids);
    await this.network.releaseServices(ids);
  }

  /**
   * Re-derives `app_name`, `app_ns` and `job_name` of an application's services for its new name.
   * Refused while any of them has instances (they are known to the network by the old job name).
   * Reverts the services already renamed when one fails.
   */
  async renameApplication(
    app: Application,
    next: Pick<Application, 'application_name' | 'application_namespace'>,
  ): Promise<void> {
    const services = await this.services.findByApplication(app.id);
    if (services.some((s) => s.instance_list.length > 0)) {
      throw new ConflictError(
        'An application cannot be renamed while its services have instances; scale them to 0 first',
      );
    }
    const parent: ServiceParent = { id: app.id, ...next };
    const renames = services.map((service) => ({
      service,
      jobName: jobNameOf(parent, service),
      path: 'application_name',
    }));
    assertJobNamesFree(
      renames,
      await this.services.existingJobNames(renames.map((r) => r.jobName)),
    );
    const done: StoredService[] = [];
    try {
      for (const { service, jobName } of renames) {
        await this.services.updateFields(
          service.id,
          {
            app_name: next.application_name,
            app_ns: next.application_namespace,
            job_name: jobName,
          },
          [],
        );
        done.push(service);
      }
    } catch (error) {
      for (const service of done) {
        await this.services.updateFields(
          service.id,
          {
            app_name: service.document['app_name'],
            app_ns: service.document['app_ns'],
            job_name: service.job_name,
          },
          [],
        );
      }
      throw error;
    }
  }

  servicesOf(applicationId: string): Promise<StoredService[]> {
    return this.services.findByApplication(applicationId);
  }
}

/**
 * The body of PUT /api/service/<id>: a whole SLA (exactly one application with exactly one
 * microservice) or a bare microservice object; validated like POST (400/422 with paths).
 */
export function parseServiceSpec(body: unknown): SlaMicroserviceDto {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('Request body must be a JSON object (an SLA or one microservice)');
  }
  if ('sla_version' in body) {
    const sla = parseSlaBody(body);
    const only = sla.applications[0];
    const microservice = only?.microservices[0];
    if (sla.applications.length !== 1 || only?.microservices.length !== 1 || !microservice) {
      throw new UnprocessableError(
        'The SLA must describe exactly one application with exactly one microservice',
        [{ path: 'applications', message: 'exactly one application with one microservice' }],
      );
    }
    return microservice;
  }
  const result = validateDto(SlaMicroserviceClass, body, { forbidUnknown: true });
  if (!result.ok) {
    throw new UnprocessableError(
      `The microservice is invalid (${result.errors.length} problem(s))`,
      result.errors,
    );
  }
  return result.value;
}
