// Public API of @canopy/contracts: every wire format shared by root, cluster and worker.
// Must stay free of server-only packages (the node engine imports it); gRPC lives in ./grpc.
import 'reflect-metadata';

// Generic validation
export type { ValidationIssue, ValidationResult } from './validation/validation-result';
export { summarizeIssues } from './validation/validation-result';
export {
  validateDto,
  flattenValidationErrors,
  type ValidateDtoOptions,
} from './validation/validate-dto';
export {
  inspectPlainJson,
  DEFAULT_PLAIN_JSON_LIMITS,
  type PlainJsonLimits,
} from './validation/plain-json';
export { isMetricValue, metricToNumber, type MetricValue } from './validation/metric';

// SLA v2.0 descriptor
export { SlaDto, SLA_VERSION } from './sla/sla.dto';
export { SlaApplicationDto } from './sla/sla-application.dto';
export { SlaMicroserviceDto } from './sla/sla-microservice.dto';
export { MicroserviceSpecDto, SLA_NAME_PATTERN } from './sla/microservice-spec.dto';
export {
  SlaConstraintDto,
  ConstraintType,
  CONSTRAINT_TYPES,
  DIRECT_NODE_SEPARATOR,
} from './sla/sla-constraint.dto';
export { SlaAddressesDto, SlaAddressInstancesDto } from './sla/sla-addresses.dto';
export { SlaVolumeDto } from './sla/sla-volume.dto';
export { SlaConnectivityDto, SlaConnectivityConstraintDto } from './sla/sla-connectivity.dto';
export { ServiceJobDto, buildJobName, JOB_NAME_SEPARATOR } from './sla/service-job.dto';
export { validateSla } from './sla/validate-sla';
export {
  parsePortMappings,
  formatPortMappings,
  PortProtocol,
  RESERVED_HOST_PORTS,
  type PortMapping,
  type PortMappingsResult,
} from './sla/port-mapping';
export { isEnvironmentEntry, parseEnvironmentEntry } from './sla/environment';
export {
  SLA_EXAMPLE,
  SLA_UNIKERNEL_EXAMPLE,
  slaExample,
  slaUnikernelExample,
} from './sla/sla.fixtures';

// Statuses and runtimes
export * from './status/instance-status.enum';
export * from './status/virtualization.enum';

// Cluster <-> worker: MQTT
export * from './mqtt/mqtt-topics';
export {
  parsePayload,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type ParsePayloadOptions,
} from './mqtt/parse-payload';
export { NodeInfoDto, NodeFactsDto } from './mqtt/payloads/node-info.dto';
export { NODE_INFO_EXAMPLE } from './mqtt/payloads/node-info.fixtures';
export {
  JobsResourcesDto,
  ServiceResourcesDto,
  MAX_LOG_TAIL_LENGTH,
} from './mqtt/payloads/job-resources.dto';
export { JobStatusDto } from './mqtt/payloads/job-status.dto';
export {
  ControlDeployDto,
  ControlDeleteDto,
  ControlErrorDto,
  MAX_SIBLING_SERVICES,
  NODE_NOT_REGISTERED_MESSAGE,
} from './mqtt/payloads/control.dto';
export * from './mqtt/payloads/net.dto';

// Cluster <-> worker: HTTP handshake
export { ClusterRoute } from './http/cluster-routes';
export { NodeRegistrationDto, NodeRegistrationResponseDto } from './http/node-registration.dto';

// Queues
export * from './queues/queue-names';
export * from './queues/job-ids';

// Ports and address spaces
export { DefaultPort, MIN_PORT, MAX_PORT } from './network/default-ports';
export { AddressSpace, TUNNEL_MTU, ipv4ToNumber, numberToIpv4 } from './network/address-spaces';
export {
  type Ipv4Range,
  parseIpv4Cidr,
  ipv4RangesOverlap,
  ipv4RangeContains,
  isIpv4InCidr,
} from './network/ipv4-range';

// Root REST API (users, auth, organizations, applications, services, instances)
export { RootRoute, rootPath } from './http/root-routes';
export {
  UserRole,
  USER_ROLES,
  isUserRole,
  ROOT_ORGANIZATION_NAME,
  BOOTSTRAP_ADMIN_USERNAME,
  TokenType,
  type RootTokenClaims,
} from './http/user-roles';
export {
  OBJECT_ID_PATTERN,
  USERNAME_PATTERN,
  ORGANIZATION_NAME_PATTERN,
  EMAIL_PATTERN,
  MAX_PASSWORD_BYTES,
  MIN_PASSWORD_LENGTH,
  IsNewPassword,
} from './http/http-validators';
export { LoginDto, TokenPairDto, AccessTokenDto } from './http/auth.dto';
export {
  RegisterUserDto,
  UpdateUserDto,
  ChangePasswordDto,
  PasswordResetRequestDto,
  PasswordResetDto,
  UserDto,
  PermissionsDto,
} from './http/user.dto';
export {
  ObjectIdDto,
  OrganizationMemberDto,
  CreateOrganizationDto,
  UpdateOrganizationDto,
  OrganizationDto,
} from './http/organization.dto';
export { UpdateApplicationDto, ApplicationDto } from './http/application.dto';
export {
  ServiceInstanceDto,
  ServiceDto,
  DeployedServiceDto,
  FailedServiceDto,
  ServiceDeploymentResultDto,
  SERVICE_ROLLOUT_NOT_APPLIED,
  ServiceUpdateResultDto,
  InstanceRequestedDto,
  MessageDto,
  ApiErrorDetailDto,
  ApiErrorDto,
} from './http/service-api.dto';

// Root <-> cluster: session helpers and the root's cluster registry (issue 4)
export * from './session/cluster-session';
export {
  ClusterRegistryRoute,
  CreateJoinTokenDto,
  DEFAULT_JOIN_TOKEN_TTL_SECONDS,
  MAX_JOIN_TOKEN_TTL_SECONDS,
  MAX_JOIN_TOKEN_USES,
  type JoinTokenView,
  type JoinTokenState,
  type CreatedJoinTokenView,
  type ClusterView,
} from './http/cluster-registry.dto';

// Cluster <-> worker: Canopy's additive fields (labels, location, generation, restart count)
export {
  NodeLocationDto,
  CanopyNodeRegistrationDto,
  CanopyNodeInfoDto,
  CanopyJobStatusDto,
  CanopyServiceResourcesDto,
  CanopyJobsResourcesDto,
} from './mqtt/payloads/worker-extensions.dto';
