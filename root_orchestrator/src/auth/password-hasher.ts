import { Injectable } from '@nestjs/common';
import { compare, hash } from 'bcryptjs';
import { RootConfig } from '../config/root-config';

/**
 * bcrypt hashing (cost BCRYPT_ROUNDS). A port of its own so services stay testable without the
 * deliberate slowness, and so a login for an unknown user costs the same as for a known one
 * (otherwise response times tell which user names exist).
 */
@Injectable()
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly config: RootConfig) {}

  hash(password: string): Promise<string> {
    return hash(password, this.config.BCRYPT_ROUNDS);
  }

  verify(password: string, passwordHash: string): Promise<boolean> {
    return compare(password, passwordHash).catch(() => false);
  }

  /** Spends the time of one verify against a hash nobody's password matches; always false. */
  async verifyNobody(password: string): Promise<false> {
    this.dummy ??= this.hash(`no user has this password ${Math.random()}`);
    await this.verify(password, await this.dummy);
    return false;
  }
}
