import { Module } from '@nestjs/common';
import { ApplicationsDataModule } from '../applications/applications-data.module';
import { AuthModule } from '../auth/auth.module';
import { OrganizationsDataModule } from '../organizations/organizations-data.module';
import { PasswordResetController } from './password-reset.controller';
import { UsersDataModule } from './users-data.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [AuthModule, UsersDataModule, OrganizationsDataModule, ApplicationsDataModule],
  controllers: [UsersController, PasswordResetController],
  providers: [UsersService],
})
export class UsersModule {}
