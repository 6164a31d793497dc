import { PasswordResetDto, PasswordResetRequestDto, RootRoute } from '@canopy/contracts';
import { Body, Controller, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiJsonBody } from '../common/openapi/api-docs.decorators';
import { UsersService } from './users.service';

/**
 * Oakestra's e-mail password reset (public routes). Bodies are validated (400 when malformed),
 * then answered 501: Canopy has no mailer yet.
 */
@ApiTags('users')
@Controller()
export class PasswordResetController {
  constructor(private readonly users: UsersService) {}

  @Post(RootRoute.USER_PASSWORD_RESET)
  @HttpCode(200)
  @ApiOperation({ summary: 'Request a password-reset mail (not implemented: 501)' })
  @ApiJsonBody(PasswordResetRequestDto)
  @ApiErrors(400, 501)
  requestReset(@Body() _dto: PasswordResetRequestDto): never {
    return this.users.requestPasswordReset();
  }

  @Put(RootRoute.USER_PASSWORD_RESET)
  @ApiOperation({ summary: 'Reset a password with a mailed token (not implemented: 501)' })
  @ApiJsonBody(PasswordResetDto)
  @ApiErrors(400, 501)
  reset(@Body() _dto: PasswordResetDto): never {
    return this.users.resetPassword();
  }
}
