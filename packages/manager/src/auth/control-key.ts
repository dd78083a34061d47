/**
 * The manager home's worker control key: `<home>/worker-control.key`, an Ed25519 private key
 * (PKCS#8 PEM, mode 0600) that signs the short-lived tokens the manager's CLI sends to a worker's
 * control API. Workers hold only its public half.
 */
import { createPrivateKey } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { VenusError } from '@venus-cluster/core'
import {
  type ControlTokenSigner,
  createControlTokenSigner,
  generateControlKey,
} from '@venus-cluster/core/auth'

/** File name of the worker control key inside the manager home. */
export const WORKER_CONTROL_KEY_FILE = 'worker-control.key'

async function readOrCreatePem(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const pem = generateControlKey().export({ format: 'pem', type: 'pkcs8' }).toString()
  await mkdir(join(path, '..'), { recursive: true })
  try {
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' })
    return pem
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return readFile(path, 'utf8')
  }
}

/**
 * The home's control token signer, creating the key (0600) on first use; a key file readable
 * by group or others is tightened to 0600.
 *
 * @example
 * ```ts
 * const signer = await managerControlKey(home)
 * const token = await signer.issue({ worker: 'rig-7', perm: 'read' })
 * ```
 */
export async function managerControlKey(home: string): Promise<ControlTokenSigner> {
  const path = join(home, WORKER_CONTROL_KEY_FILE)
  const pem = await readOrCreatePem(path)
  let signer: ControlTokenSigner
  try {
    signer = createControlTokenSigner(createPrivateKey(pem))
  } catch (err) {
    throw new VenusError('CONFIG_INVALID_VALUE', `${path} must hold an Ed25519 private key (PKCS#8 PEM)`, {
      details: { file: path },
      cause: err,
    })
  }
  await chmod(path, 0o600)
  return signer
}
