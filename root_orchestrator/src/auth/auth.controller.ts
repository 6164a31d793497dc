import { AccessTokenDto, LoginDto, RootRoute, TokenPairDto } from '@canopy/contracts';
import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiJsonBody, ApiJsonOk } from '../common/openapi/api-docs.decorators';
import { BEARER_AUTH } from '../common/openapi/setup-openapi';
import { AuthService } from './auth.service';

/** Login and refresh. (`POST /api/auth/register` creates users: see UsersController.) */
@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post(RootRoute.AUTH_LOGIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in; organization_name defaults to "root"' })
  @ApiJsonBody(LoginDto)
  @ApiJsonOk(TokenPairDto)
  @ApiErrors(400, 401, 413)
  login(@Body() dto: LoginDto): Promise<TokenPairDto> {
    return this.auth.login(dto);
  }

  @Post(RootRoute.AUTH_REFRESH)
  @HttpCode(200)
  @ApiBearerAuth(BEARER_AUTH)
  @ApiOperation({ summary: 'New access token; send the REFRESH token as the bearer token' })
  @ApiJsonOk(AccessTokenDto)
  @ApiErrors(401)
  refresh(@Headers('authorization') authorization?: string): Promise<AccessTokenDto> {
    return this.auth.refresh(authorization);
  }
}
