import type { SlaApplicationDto, SlaMicroserviceDto } from '@canopy/contracts';
import {
  ConflictError,
  UnprocessableError,
  type ErrorDetail,
} from '../common/errors/domain-errors';

/**
 * Within one SLA, each application (name + namespace) once, and within one application each
 * microservice (name + namespace) once: their job names would collide.
 */
export function checkSlaNamesUnique(applications: readonly SlaApplicationDto[]): void {
  const details: ErrorDetail[] = [];
  const apps = new Set<string>();
  applications.forEach((app, i) => {
    const key = `${app.application_name}.${app.application_namespace}`;
    if (apps.has(key)) {
      details.push({
        path: `applications[${i}].application_name`,
        message: `application ${key} appears twice in this SLA`,
      });
    }
    apps.add(key);
    details.push(...duplicateMicroservices(app.microservices, `applications[${i}]`));
  });
  if (details.length > 0) throw new UnprocessableError('The SLA names something twice', details);
}

export function duplicateMicroservices(
  microservices: readonly SlaMicroserviceDto[],
  pathPrefix: string,
): ErrorDetail[] {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  microservices.forEach((ms, j) => {
    const key = `${ms.microservice_name}.${ms.microservice_namespace}`;
    if (seen.has(key)) {
      details.push({
        path: `${pathPrefix}.microservices[${j}].microservice_name`,
        message: `microservice ${key} appears twice in this application`,
      });
    }
    seen.add(key);
  });
  return details;
}

/** 409 naming the SLA entries whose job names are taken already. */
export function assertJobNamesFree(
  planned: readonly { jobName: string; path: string }[],
  taken: readonly string[],
): void {
  if (taken.length === 0) return;
  const takenSet = new Set(taken);
  throw new ConflictError(
    'A service with the same job name (application.namespace.service.namespace) exists already',
    planned
      .filter((p) => takenSet.has(p.jobName))
      .map((p) => ({ path: p.path, message: `job name ${p.jobName} is taken` })),
  );
}
