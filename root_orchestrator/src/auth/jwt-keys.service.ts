import { createHash, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { RootConfig } from '../config/root-config';
import { JwtKeyRepository, type PemKeyPair } from './jwt-key.repository';

const generateRsaKeyPair = promisify(generateKeyPair);

export interface SigningKeys extends PemKeyPair {
  /** Key id for the JWT header: a thumbprint of the public key, so keys can be told apart. */
  kid: string;
}

/**
 * The RS256 key pair: from JWT_PRIVATE_KEY/JWT_PUBLIC_KEY when set (validated at config load),
 * otherwise the pair stored in MongoDB, generated (2048-bit) on first boot.
 */
@Injectable()
export class JwtKeysService implements OnModuleInit {
  private keys: SigningKeys | undefined;

  constructor(
    private readonly config: RootConfig,
    private readonly repository: JwtKeyRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('JwtKeys');
  }

  async onModuleInit(): Promise<void> {
    const configured = this.config.jwtKeyPair;
    if (configured) {
      this.keys = withKid(configured);
      this.logger.info(
        { kid: this.keys.kid },
        'JWT signing key from JWT_PRIVATE_KEY/JWT_PUBLIC_KEY',
      );
      return;
    }
    const stored = await this.repository.findSigningKey();
    if (stored) {
      this.keys = withKid(stored);
      this.logger.info({ kid: this.keys.kid }, 'JWT signing key loaded from the database');
      return;
    }
    const generated = await generatePemKeyPair();
    this.keys = withKid(await this.repository.insertSigningKeyOnce(generated));
    this.logger.info({ kid: this.keys.kid }, 'JWT signing key generated (RSA 2048) and stored');
  }

  get signingKeys(): SigningKeys {
    if (!this.keys) throw new Error('JWT keys used before module init');
    return this.keys;
  }
}

export async function generatePemKeyPair(): Promise<PemKeyPair> {
  const { privateKey, publicKey } = await generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export function keyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url').slice(0, 16);
}

function withKid(pair: PemKeyPair): SigningKeys {
  return { ...pair, kid: keyId(pair.publicKeyPem) };
}
