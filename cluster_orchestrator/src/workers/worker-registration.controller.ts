import { ClusterRoute, type NodeRegistrationResponseDto } from '@canopy/contracts';
import { Body, Controller, HttpCode, HttpException, HttpStatus, Post } from '@nestjs/common';
import { WorkerRegistrationService } from './worker-registration.service';

const STATUS = { invalid: 422, unauthorized: 401, unavailable: 503 } as const;

/** Oakestra's worker handshake (reference §5.1). Errors: `{statusCode, error, message, details?}`. */
@Controller()
export class WorkerRegistrationController {
  constructor(private readonly registration: WorkerRegistrationService) {}

  @Post(ClusterRoute.NODE_REGISTER)
  @HttpCode(HttpStatus.OK)
  async register(@Body() body: unknown): Promise<NodeRegistrationResponseDto> {
    const outcome = await this.registration.register(body);
    if (outcome.ok) return outcome.response;
    const status = STATUS[outcome.reason];
    throw new HttpException(
      {
        statusCode: status,
        error: HttpStatus[status],
        message: outcome.message,
        ...('details' in outcome ? { details: outcome.details } : {}),
      },
      status,
    );
  }
}
