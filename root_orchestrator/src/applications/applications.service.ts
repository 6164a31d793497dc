import type { ApplicationDto, MessageDto, UpdateApplicationDto } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { isAdmin, requireAdmin, requireApplicationProvider } from '../auth/policies';
import type { Principal } from '../auth/principal';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
} from '../common/errors/domain-errors';
import { isObjectIdHex } from '../common/http/object-id';
import type { PlannedService } from '../services/service.model';
import { checkSlaNamesUnique } from '../services/service.rules';
import { ServicesService } from '../services/services.service';
import { parseSlaBody } from '../services/sla-body';
import { UserRepository } from '../users/user.repository';
import type { Application } from './application.model';
import { toApplicationDto } from './application.presenter';
import { ApplicationRepository, DUPLICATE_APPLICATION } from './application.repository';

@Injectable()
export class ApplicationsService {
  constructor(
    private readonly applications: ApplicationRepository,
    private readonly services: ServicesService,
    private readonly users: UserRepository,
  ) {}

  /**
   * POST /api/application/: registers every application of the SLA with its microservices and
   * answers the caller's applications (Oakestra's answer). All or nothing: the whole SLA is
   * validated and checked for conflicts first; the services' addresses are claimed and the
   * services written before their application (which lists them), and anything written or claimed
   * is removed again if a later step fails, so no half-registered application (and no claimed
   * address) is ever left behind. `applicationID` in the SLA is ignored here.
   */
  async create(principal: Principal, body: unknown): Promise<ApplicationDto[]> {
    requireApplicationProvider(principal);
    const sla = parseSlaBody(body);
    checkSlaNamesUnique(sla.applications);
    for (const app of sla.applications) {
      if (
        await this.applications.findByOwnerAndName(
          principal.username,
          app.application_name,
          app.application_namespace,
        )
      ) {
        throw new ConflictError(DUPLICATE_APPLICATION);
      }
    }
    const plans: { app: Application; services: PlannedService[] }[] = [];
    for (const [i, slaApp] of sla.applications.entries()) {
      const app: Application = {
        id: this.applications.newId(),
        application_name: slaApp.application_name,
        application_namespace: slaApp.application_namespace,
        application_desc: slaApp.application_desc ?? '',
        userId: principal.username,
        microservices: [],
      };
      const services = await this.services.planServices(
        app,
        slaApp.microservices.map((microservice, j) => ({
          microservice,
          path: `applications[${i}].microservices[${j}]`,
        })),
      );
      plans.push({ app: { ...app, microservices: services.map((s) => s.id) }, services });
    }
    const allServices = plans.flatMap((p) => p.services);
    await this.services.insertPlanned(allServices);
    const inserted: string[] = [];
    try {
      for (const { app } of plans) {
        await this.applications.insert(app);
        inserted.push(app.id);
      }
    } catch (error) {
      await this.applications.deleteMany(inserted);
      await this.services.deletePlanned(allServices);
      throw error;
    }
    return (await this.applications.findByOwner(principal.username)).map(toApplicationDto);
  }

  async get(principal: Principal, id: string): Promise<ApplicationDto> {
    requireApplicationProvider(principal);
    return toApplicationDto(await this.services.visibleApplication(principal, id));
  }

  /**
   * PUT /api/application/<id>: name, namespace, description. A rename re-derives the job names of
   * its services, so it is refused while any service has instances (they run under the old name).
   */
  async update(principal: Principal, id: string, dto: UpdateApplicationDto): Promise<MessageDto> {
    requireApplicationProvider(principal);
    const app = await this.services.visibleApplication(principal, id);
    if (dto.microservices !== undefined && !sameSet(dto.microservices, app.microservices)) {
      throw new UnprocessableError('microservices cannot be changed here', [
        {
          path: 'microservices',
          message:
            'add services with POST /api/service/ and remove them with DELETE /api/service/<id>',
        },
      ]);
    }
    const next = {
      application_name: dto.application_name ?? app.application_name,
      application_namespace: dto.application_namespace ?? app.application_namespace,
      application_desc: dto.application_desc ?? app.application_desc,
    };
    const renamed =
      next.application_name !== app.application_name ||
      next.application_namespace !== app.application_namespace;
    if (renamed) {
      const clash = await this.applications.findByOwnerAndName(
        app.userId,
        next.application_name,
        next.application_namespace,
      );
      if (clash) throw new ConflictError(DUPLICATE_APPLICATION);
      await this.services.renameApplication(app, next);
    }
    const updated = await this.applications
      .updateNames(app.id, next)
      .catch(async (error: unknown) => {
        if (renamed) await this.services.renameApplication({ ...app, ...next }, app); // undo
        throw error;
      });
    if (!updated) throw new NotFoundError('Application not found');
    return { message: 'Application is updated' };
  }

  /**
   * DELETE /api/application/<id>: services (with their instances and queued jobs) first, then the
   * application; a crash in between leaves the application, and the same DELETE finishes.
   */
  async delete(principal: Principal, id: string): Promise<MessageDto> {
    requireApplicationProvider(principal);
    const app = await this.services.visibleApplication(principal, id);
    await this.services.removeServices(await this.services.servicesOf(app.id));
    await this.applications.delete(app.id);
    return { message: 'Application Deleted' };
  }

  /**
   * GET /api/applications/<userid>: `userid` is the user's id (Oakestra) or name. Callers see
   * their own; an Admin sees anyone's; anyone else gets 403.
   */
  async listOfUser(principal: Principal, userId: string): Promise<ApplicationDto[]> {
    requireApplicationProvider(principal);
    const self = userId === principal.userId || userId === principal.username;
    if (!self && !isAdmin(principal)) throw new ForbiddenError();
    const user = self
      ? { name: principal.username }
      : isObjectIdHex(userId)
        ? await this.users.findById(userId)
        : await this.users.findByName(userId);
    if (!user) throw new NotFoundError('User not found');
    return (await this.applications.findByOwner(user.name)).map(toApplicationDto);
  }

  async listAll(principal: Principal): Promise<ApplicationDto[]> {
    requireAdmin(principal);
    return (await this.applications.list()).map(toApplicationDto);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}
