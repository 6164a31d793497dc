/**
 * Routes of the root orchestrator's public REST API. Oakestra's system manager paths
 * (reference/oakestra.md §2), so Oakestra clients (dashboard, oak CLI, scripts) work unchanged.
 * Patterns use `:name` parameters; build concrete paths with {@link rootPath}. Trailing slashes
 * are Oakestra's spelling; the root answers with and without them.
 */
export const RootRoute = {
  /** POST `{username, password, organization_name?}` → `{token, refresh_token}`. */
  AUTH_LOGIN: '/api/auth/login',
  /** POST with `Authorization: Bearer <refresh token>` → `{token}`. */
  AUTH_REFRESH: '/api/auth/refresh',
  /** POST (Admin, Organization_Admin): create a user in the caller's organization. */
  AUTH_REGISTER: '/api/auth/register',
  /** GET (self, Admin): `{roles}` in the caller's organization. */
  PERMISSION: '/api/permission/:username',
  /** GET (self, Admin) / PUT (Admin) / DELETE (Admin) / POST (self: change password). */
  USER: '/api/user/:username',
  /** POST: password-reset request; PUT: reset with a token (both 501 in Canopy for now). */
  USER_PASSWORD_RESET: '/api/user/',
  /** GET (Admin): every user. */
  USERS: '/api/users/',
  /** GET (Admin, that organization's Organization_Admin): users of one organization. */
  USERS_OF_ORGANIZATION: '/api/users/:organization_id',
  /** GET, POST (Admin). */
  ORGANIZATIONS: '/api/organization/',
  /** PUT, DELETE (Admin). */
  ORGANIZATION: '/api/organization/:organization_id',
  /** POST: register application(s) and their services from an SLA; answers the user's apps. */
  APPLICATION_CREATE: '/api/application/',
  /** GET / PUT / DELETE (owner, Admin). */
  APPLICATION: '/api/application/:appid',
  /** GET (that user, Admin): a user's applications. */
  APPLICATIONS_OF_USER: '/api/applications/:userid',
  /** GET (Admin): every application. */
  APPLICATIONS: '/api/applications/',
  /** POST: add the SLA's services to an existing application (`applications[0].applicationID`). */
  SERVICE_CREATE: '/api/service/',
  /** GET / PUT / DELETE (owner, Admin). */
  SERVICE: '/api/service/:serviceid',
  /** GET (owner, Admin): services of one application. */
  SERVICES_OF_APPLICATION: '/api/services/:appid',
  /** GET (Admin): every service. */
  SERVICES: '/api/services/',
  /** POST (owner, Admin): one more instance, REQUESTED and queued for scheduling. */
  SERVICE_INSTANCE: '/api/service/:serviceid/instance',
  /** DELETE (owner, Admin): remove instance n (`-1`: all). */
  SERVICE_INSTANCE_NUMBER: '/api/service/:serviceid/instance/:instance_number',
  /**
   * Oakestra's public netinfo routes (root service manager, reference §2), served by the root.
   * GET: the next free ServiceIP(s), NOT reserved; `?v=4|6` (both when absent) →
   * `{available_service_ips: [{Address, Address_v6, IpType: "IPv4"|"IPv6"}]}`.
   */
  NETINFO_AVAILABLE_IP: '/api/pubnet/service/netinfo/available-ip',
  /** GET: as NETINFO_AVAILABLE_IP, the next `x` free ServiceIPs. */
  NETINFO_AVAILABLE_IPS: '/api/pubnet/service/netinfo/available-ip/:x',
  /** GET: a service's netinfo by ServiceIP or InstanceIP (`10.30.0.1` or `10_30_0_1`). */
  NETINFO_SERVICE_BY_IP: '/api/pubnet/service/netinfo/ip/:service_ip',
  /** GET: a service's netinfo by job name (`app.ns.svc.ns` or `app_ns_svc_ns`). */
  NETINFO_SERVICE_BY_NAME: '/api/pubnet/service/netinfo/:service_name',
  /** Swagger UI and the OpenAPI document. */
  DOCS: '/api/docs',
  DOCS_JSON: '/api/docs-json',
} as const;
export type RootRoute = (typeof RootRoute)[keyof typeof RootRoute];

/**
 * A concrete path from a route pattern: `rootPath(RootRoute.SERVICE, { serviceid: id })`.
 * Values are URI-encoded; a parameter missing from `params` is an error (a programming mistake).
 */
export function rootPath(route: RootRoute, params: Record<string, string | number> = {}): string {
  return route.replace(/:([A-Za-z_]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new RangeError(`rootPath: missing parameter "${name}"`);
    return encodeURIComponent(String(value));
  });
}
