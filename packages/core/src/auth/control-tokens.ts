/**
 * Credentials for a worker's control API (`VenusWorker.*` and its `/metrics`), minted by the
 * sector manager and checked by the worker on its own.
 *
 * The manager never sends its own API tokens to a worker: the address a worker reports is the
 * worker's word, and an API token grants the whole manager. A control token instead is an
 * EdDSA (Ed25519) JWT that grants only the control API (`scope`), only at one worker (`aud` = its
 * instance name, optionally `dst` = the control address it was sent to) and only for a short
 * while (`exp`). The manager signs with a private key that never leaves its home; workers fetch
 * the public key (`Venus.WorkerControlKey`) and keep it, so they verify tokens while the manager
 * is down. A token of the manager's own HS256 kind is refused by the worker, and a control token
 * is refused by the manager, whose API checks HS256 only.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose'
import { VenusError } from '../errors/index.js'
import type { RpcPermission } from '../rpc/types.js'
import { checkWorkerName } from '../types/worker-identity.js'

/** `scope` claim of every control token. */
export const WORKER_CONTROL_SCOPE = 'venus-worker-control'

/** The permissions a control token can carry: `read` (list threads, metrics) and `write` (pause, resume). */
export const WORKER_CONTROL_PERMISSIONS: readonly RpcPermission[] = Object.freeze(['read', 'write'])

/** Lifetime of the tokens the manager hands to its CLI for one call (seconds). */
export const WORKER_CONTROL_TOKEN_TTL_S = 90

/** Clock difference between the manager and a worker that verification tolerates (seconds). */
export const WORKER_CONTROL_CLOCK_TOLERANCE_S = 30

/** `aud` of a token good at every worker of the manager; only ever `read` (Prometheus scrapes). */
export const ANY_WORKER = '*'

/** The public key as `Venus.WorkerControlKey` answers it: a key id and an Ed25519 JWK. */
export interface WorkerControlKeyInfo {
  Kid: string
  Jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string }
}

/** What a control token says once verified. */
export interface ControlTokenClaims {
  /** Control permissions (subset of `read`, `write`). */
  allow: RpcPermission[]
  /** The worker it is good at, or `*`. */
  worker: string
  /** The control address it was sent to, when bound to one. */
  dest: string | undefined
  /** Expiry, Unix seconds. */
  expiresAt: number
}

/** What to mint: see {@link ControlTokenSigner.issue}. */
export interface ControlTokenRequest {
  /** The worker's instance name, or `*` (read only). */
  worker: string
  /** `read`, or `write` (which includes `read`). */
  perm: 'read' | 'write'
  /** Lifetime in seconds (default {@link WORKER_CONTROL_TOKEN_TTL_S}). */
  ttlSeconds?: number | undefined
  /** Bind the token to the control address it is sent to. */
  dest?: string | undefined
}

/** Mints control tokens with the manager's private key. */
export interface ControlTokenSigner {
  /** The public half, as served to workers. */
  readonly publicKey: WorkerControlKeyInfo
  /** A signed control token. */
  issue(req: ControlTokenRequest): Promise<string>
}

/** Checks control tokens against one public key. */
export interface ControlTokenVerifier {
  readonly kid: string
  /**
   * The claims of `token` when it is a control token of this key for `worker` (and, when the
   * token names one, sent to `dest`); throws `UNAUTHENTICATED` saying why otherwise.
   */
  verify(token: string, expect: { worker: string; dest?: string | undefined }): Promise<ControlTokenClaims>
}

/**
 * A new Ed25519 private key (the manager creates one per home).
 *
 * @example
 * ```ts
 * const pem = generateControlKey().export({ format: 'pem', type: 'pkcs8' })
 * ```
 */
export function generateControlKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey
}

function keyId(x: string): string {
  return createHash('sha256').update(Buffer.from(x, 'base64url')).digest('base64url').slice(0, 16)
}

function publicInfo(key: KeyObject): WorkerControlKeyInfo {
  const jwk = createPublicKey(key).export({ format: 'jwk' })
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new VenusError('INVALID_ARGUMENT', 'the worker control key must be an Ed25519 key')
  }
  return { Kid: keyId(jwk.x), Jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } }
}

function controlPerms(perm: 'read' | 'write'): RpcPermission[] {
  if (perm === 'read') return ['read']
  if (perm === 'write') return ['read', 'write']
  throw new VenusError(
    'INVALID_ARGUMENT',
    `control permission must be "read" or "write", got ${JSON.stringify(perm)}`,
  )
}

/**
 * A signer over an Ed25519 private key.
 *
 * @example
 * ```ts
 * const signer = createControlTokenSigner(generateControlKey())
 * const token = await signer.issue({ worker: 'rig-7', perm: 'write', dest: '10.0.0.5:17890' })
 * ```
 */
export function createControlTokenSigner(privateKey: KeyObject): ControlTokenSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new VenusError('INVALID_ARGUMENT', 'the worker control key must be an Ed25519 private key')
  }
  const publicKey = publicInfo(privateKey)
  return {
    publicKey,
    async issue(req) {
      if (req.worker !== ANY_WORKER) checkWorkerName(req.worker, 'worker')
      const allow = controlPerms(req.perm)
      if (req.worker === ANY_WORKER && req.perm !== 'read') {
        throw new VenusError('INVALID_ARGUMENT', 'a token for every worker ("*") can only be read-only')
      }
      const ttl = req.ttlSeconds ?? WORKER_CONTROL_TOKEN_TTL_S
      if (!Number.isInteger(ttl) || ttl < 1) {
        throw new VenusError('INVALID_ARGUMENT', `a control token lives at least 1 s, got ${ttl}`)
      }
      const now = Math.floor(Date.now() / 1000)
      return new SignJWT({
        Allow: allow,
        scope: WORKER_CONTROL_SCOPE,
        ...(req.dest === undefined ? {} : { dst: req.dest }),
      })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: publicKey.Kid })
        .setAudience(req.worker)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .sign(privateKey)
    },
  }
}

/**
 * Reads a `Venus.WorkerControlKey` answer (or a cached copy), refusing anything but an Ed25519
 * public key whose id matches it.
 *
 * @example
 * ```ts
 * const info = parseWorkerControlKey(await rpc.call('Venus.WorkerControlKey', []))
 * ```
 */
export function parseWorkerControlKey(value: unknown): WorkerControlKeyInfo {
  const bad = (why: string) =>
    new VenusError('INVALID_ARGUMENT', `worker control key: ${why}`, {
      details: { field: 'WorkerControlKey' },
    })
  if (typeof value !== 'object' || value === null) throw bad('expected an object {Kid, Jwk}')
  const { Kid, Jwk } = value as { Kid?: unknown; Jwk?: unknown }
  if (typeof Jwk !== 'object' || Jwk === null) throw bad('Jwk must be an object')
  const { kty, crv, x } = Jwk as { kty?: unknown; crv?: unknown; x?: unknown }
  if (kty !== 'OKP' || crv !== 'Ed25519') throw bad('Jwk must be an Ed25519 key (kty OKP, crv Ed25519)')
  if (typeof x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(x))
    throw bad('Jwk.x must be 32 bytes in base64url')
  if (typeof Kid !== 'string' || Kid !== keyId(x)) throw bad('Kid does not match the key')
  return { Kid, Jwk: { kty, crv, x } }
}

/**
 * The key id a token's header names, or undefined when it is not a JWT.
 *
 * @example
 * ```ts
 * if (controlTokenKid(token) !== verifier.kid) await refreshKey()
 * ```
 */
export function controlTokenKid(token: string): string | undefined {
  try {
    const h = decodeProtectedHeader(token)
    return typeof h.kid === 'string' ? h.kid : undefined
  } catch {
    return undefined
  }
}

/**
 * A verifier over a public key from {@link parseWorkerControlKey}.
 *
 * @example
 * ```ts
 * const v = createControlTokenVerifier(info)
 * const claims = await v.verify(token, { worker: 'rig-7', dest: '10.0.0.5:17890' })
 * ```
 */
export function createControlTokenVerifier(info: WorkerControlKeyInfo): ControlTokenVerifier {
  const key = createPublicKey({ key: { ...info.Jwk }, format: 'jwk' })
  const refuse = (why: string, cause?: unknown) =>
    new VenusError('UNAUTHENTICATED', `control token refused: ${why}`, {
      details: { reason: why },
      ...(cause === undefined ? {} : { cause }),
    })
  return {
    kid: info.Kid,
    async verify(token, expect) {
      let payload: Record<string, unknown>
      try {
        ;({ payload } = await jwtVerify(token, key, {
          algorithms: ['EdDSA'],
          audience: [expect.worker, ANY_WORKER],
          clockTolerance: WORKER_CONTROL_CLOCK_TOLERANCE_S,
          requiredClaims: ['exp', 'aud'],
        }))
      } catch (err) {
        const code = (err as { code?: unknown }).code
        if (code === 'ERR_JWT_EXPIRED')
          throw refuse('expired (the clocks of the manager and worker hosts must agree within 30 s)', err)
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && (err as { claim?: unknown }).claim === 'aud')
          throw refuse(`it is for another worker, not ${JSON.stringify(expect.worker)}`, err)
        throw refuse('not signed by the manager this worker trusts, or malformed', err)
      }
      if (payload.scope !== WORKER_CONTROL_SCOPE) throw refuse('not a worker control token')
      const dst = typeof payload.dst === 'string' ? payload.dst : undefined
      if (dst !== undefined && dst !== expect.dest)
        throw refuse(
          `it was sent to ${dst}, and this worker's control address is ${expect.dest ?? 'unknown'}`,
        )
      const raw: unknown[] = Array.isArray(payload.Allow) ? payload.Allow : []
      const allow = WORKER_CONTROL_PERMISSIONS.filter((p) => raw.includes(p))
      const worker = payload.aud === ANY_WORKER ? ANY_WORKER : expect.worker
      // A token for every worker is a metrics token: never more than read, whatever it says.
      return {
        allow: worker === ANY_WORKER ? allow.filter((p) => p === 'read') : allow,
        worker,
        dest: dst,
        expiresAt: typeof payload.exp === 'number' ? payload.exp : 0,
      }
    },
  }
}
