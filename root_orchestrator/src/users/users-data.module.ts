import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UserRepository } from './user.repository';
import { UserRecord, UserSchema } from './user.schema';

/** The `users` collection and its repository, for every feature that reads users. */
@Module({
  imports: [MongooseModule.forFeature([{ name: UserRecord.name, schema: UserSchema }])],
  providers: [UserRepository],
  exports: [UserRepository],
})
export class UsersDataModule {}
