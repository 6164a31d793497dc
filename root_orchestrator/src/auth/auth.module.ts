import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { OrganizationsDataModule } from '../organizations/organizations-data.module';
import { UsersDataModule } from '../users/users-data.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtKeyRepository } from './jwt-key.repository';
import { JwtKeyRecord, JwtKeySchema } from './jwt-key.schema';
import { JwtKeysService } from './jwt-keys.service';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

/**
 * Authentication: RS256 tokens, login/refresh, the guard every other feature's controllers use,
 * and the first-boot Admin. Keys are passed per call (JwtKeysService), hence the empty JwtModule.
 */
@Module({
  imports: [
    JwtModule.register({}),
    MongooseModule.forFeature([{ name: JwtKeyRecord.name, schema: JwtKeySchema }]),
    UsersDataModule,
    OrganizationsDataModule,
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenService,
    JwtKeysService,
    JwtKeyRepository,
    PasswordHasher,
    JwtAuthGuard,
    AdminBootstrapService,
  ],
  exports: [AuthService, JwtAuthGuard, PasswordHasher],
})
export class AuthModule {}
