import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software WebAuthn authenticator for tests: ES256 keys from node:crypto,
 * 'none' attestation, CBOR through @simplewebauthn/server's own helpers. It
 * plays the browser too (clientDataJSON with an origin), so a test can say
 * what a phishing page, a cloned key or a replay would send.
 */
export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string | undefined;
  counter: number;
  backupEligible: boolean;
}

type Options = { challenge: string; rpId?: string; rp?: { id?: string }; user?: { id: string } };

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64 = (data: Uint8Array) => isoBase64URL.fromBuffer(new Uint8Array(data));

/** Authenticator data flags (WebAuthn §6.1). */
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

function authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, attested ?? Buffer.alloc(0)]);
}

function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  // kty EC2, alg ES256, crv P-256, x, y.
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]),
  );
}

export class SoftwareAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(private readonly origin: string) {}

  /** Answers registration options as `navigator.credentials.create()` would; `override` forges what a test needs. */
  register(
    options: Options,
    override: { origin?: string; rpId?: string; challenge?: string; userVerified?: boolean; backupEligible?: boolean; type?: string } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = randomBytes(16);
    const rpId = override.rpId ?? options.rp?.id ?? new URL(this.origin).hostname;
    const credential: SoftCredential = { id: b64(id), privateKey, rpId, userHandle: options.user?.id, counter: 0, backupEligible: override.backupEligible ?? false };
    this.credentials.push(credential);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, id, Buffer.from(coseKey(publicKey))]);
    const flags = UP | (override.userVerified === false ? 0 : UV) | (credential.backupEligible ? BE | BS : 0) | AT;
    const data = authData(rpId, flags, 0, attested);
    const clientDataJSON = this.clientData(override.type ?? 'webauthn.create', override.challenge ?? options.challenge, override.origin);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(data)]]) as never);
    return {
      response: {
        id: credential.id,
        rawId: credential.id,
        type: 'public-key' as const,
        response: { clientDataJSON: b64(clientDataJSON), attestationObject: b64(attestationObject), transports: ['internal'] },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      },
      credential,
    };
  }

  /**
   * Answers authentication options as `navigator.credentials.get()` would,
   * with `credential` (by default the last registered one). Each call moves
   * its counter forward, unless `counter` says what to claim.
   */
  assert(
    options: Options,
    override: { credential?: SoftCredential; origin?: string; rpId?: string; challenge?: string; counter?: number; userVerified?: boolean; userHandle?: string | null; type?: string } = {},
  ) {
    const credential = override.credential ?? this.credentials.at(-1)!;
    if (override.counter === undefined) credential.counter += 1;
    const counter = override.counter ?? credential.counter;
    const rpId = override.rpId ?? credential.rpId;
    const flags = UP | (override.userVerified === false ? 0 : UV) | (credential.backupEligible ? BE | BS : 0);
    const data = authData(rpId, flags, counter);
    const clientDataJSON = this.clientData(override.type ?? 'webauthn.get', override.challenge ?? options.challenge, override.origin);
    const signature = sign('sha256', Buffer.concat([data, sha256(clientDataJSON)]), credential.privateKey);
    const userHandle = override.userHandle === null ? undefined : (override.userHandle ?? credential.userHandle);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      response: { clientDataJSON: b64(clientDataJSON), authenticatorData: b64(data), signature: b64(signature), ...(userHandle ? { userHandle } : {}) },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }
}
