// JWT verification with jose: HS256 with the configured secret, or RS256 /
// ES256 with a configured public key (PROTOCOL.md §1).
import { createHash } from 'node:crypto';
import { jwtVerify, importSPKI, errors as joseErrors, type JWTPayload, type CryptoKey } from 'jose';
import type { AuthConfig } from '../config/schema.ts';
import { HaatError } from '../errors.ts';
import { ROLES, type Principal, type Role } from './principal.ts';
import { parseDivision } from '../time/divisions.ts';
import { AgeOrderedMap } from '../age-ordered-map.ts';

// Verified tokens are remembered until they expire: a signature check costs
// tens of µs, and a reconnect storm or a REST client presents the same token
// again and again. Bounded, the oldest entry first: an entry (the token, its
// principal) is ~400 bytes, so a bound near the connections of a node (it was
// 50,000) made the cache the largest per-user cost of a signed-in connection.
// A storm beyond the bound costs one signature check per reconnect.
// Entries are keyed by the token's SHA-256 (43 characters), not the
// token: the token handed in is a slice of the upgrade's query string, and a
// key that is a slice keeps that whole string alive (190 bytes per entry).
const CACHE_MAX = 8_192;

function cacheKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class TokenVerifier {
  private readonly secret: Uint8Array<ArrayBuffer>;
  /**
   * The secret imported once: given the bytes, jose imports them into a
   * WebCrypto key on every verify. Profiled over 19,000 fresh tokens, jose's
   * signature check took 72 µs each with the bytes, 47 µs with this key.
   */
  private hmacKey: Promise<CryptoKey> | undefined;
  private publicKey: Promise<CryptoKey> | undefined;
  /** Age-ordered: past CACHE_MAX every new token forgets the oldest, in constant steps (age-ordered-map.ts). */
  private readonly cache = new AgeOrderedMap<string, { principal: Principal; expMs: number }>();

  constructor(private readonly config: AuthConfig) {
    this.secret = new TextEncoder().encode(config.jwtSecret);
    if (config.publicKey) this.publicKey = importSPKI(config.publicKey, config.publicKeyAlg);
  }

  /** Verifies signature and expiry; any failure is `unauthorized`. */
  async verify(token: string, now = Date.now()): Promise<JWTPayload> {
    const currentDate = new Date(now);
    try {
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
      if (header.alg === 'HS256') {
        this.hmacKey ??= crypto.subtle.importKey('raw', this.secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
        return (await jwtVerify(token, await this.hmacKey, { algorithms: ['HS256'], currentDate })).payload;
      }
      if (this.publicKey && header.alg === this.config.publicKeyAlg) {
        return (await jwtVerify(token, await this.publicKey, { algorithms: [this.config.publicKeyAlg], currentDate })).payload;
      }
      throw new HaatError('unauthorized', `token algorithm ${JSON.stringify(header.alg)} is not accepted`);
    } catch (err) {
      if (err instanceof HaatError) throw err;
      const why = err instanceof joseErrors.JWTExpired ? 'token expired' : err instanceof joseErrors.JOSEError ? `invalid token (${err.code})` : 'malformed token';
      throw new HaatError('unauthorized', why);
    }
  }

  async principal(token: string, now = Date.now()): Promise<Principal> {
    const key = cacheKey(token);
    const hit = this.cache.get(key);
    if (hit && hit.expMs > now) return hit.principal;
    const claims = await this.verify(token, now);
    const principal = this.toPrincipal(claims);
    if (this.cache.size >= CACHE_MAX) this.cache.dropOldest();
    // A token without `exp` never expires; it is re-verified every minute all the same.
    this.cache.set(key, { principal, expMs: claims.exp === undefined ? now + 60_000 : Math.min(claims.exp * 1000, now + 3_600_000) });
    return principal;
  }

  private toPrincipal(claims: JWTPayload): Principal {
    if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) {
      throw new HaatError('unauthorized', 'token has no valid `sub`');
    }
    const found: Role[] = [];
    if (claims.roles !== undefined) {
      if (!Array.isArray(claims.roles)) throw new HaatError('unauthorized', '`roles` must be a list');
      for (const r of claims.roles) if ((ROLES as readonly unknown[]).includes(r) && !found.includes(r as Role)) found.push(r as Role);
    }
    const roles = internRoles(found);
    const listed = Array.isArray(claims.channels) ? claims.channels.filter((c): c is string => typeof c === 'string') : [];
    const channels = listed.length === 0 ? NO_CHANNELS : listed;
    const lang = claims.lang === 'bn' || claims.lang === 'en' ? claims.lang : undefined;
    const division = parseDivision(claims.division);
    return division === undefined ? { userId: claims.sub, roles, lang, channels } : { userId: claims.sub, roles, lang, channels, division };
  }

  /** A channel token (§3): `sub` is the connection's user and `channel` names the channel. */
  async channelGrant(token: string, userId: string, channel: string): Promise<boolean> {
    const claims = await this.verify(token);
    return claims.sub === userId && claims.channel === channel;
  }
}

/**
 * Principals share their role sets and the empty channel list: every
 * signed-in connection holds one principal, and the sets of roles in use are few.
 */
const ROLE_SETS = new Map<string, ReadonlySet<Role>>();
const NO_CHANNELS: readonly string[] = Object.freeze([]);

function internRoles(roles: Role[]): ReadonlySet<Role> {
  const key = [...roles].sort().join(',');
  let set = ROLE_SETS.get(key);
  if (!set) ROLE_SETS.set(key, (set = new Set(roles)));
  return set;
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m?.[1];
}
