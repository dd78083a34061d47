/**
 * The address this machine uses to reach a host: what a worker reports as its control API
 * address (`WorkerPing` `Dest`) when it listens on every interface, so the manager on another
 * machine can call it back. No packet is sent: connecting a UDP socket only picks the route.
 */
import { createSocket } from 'node:dgram'
import { isIP } from 'node:net'

/**
 * The local IP address of the route toward `url`'s host, or undefined when there is none.
 *
 * @example
 * ```ts
 * await localAddressToward('ws://10.0.0.5:1789/rpc/v0') // '10.0.0.7'
 * ```
 */
export async function localAddressToward(url: string): Promise<string | undefined> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return undefined
  }
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = Number(target.port || (target.protocol === 'https:' || target.protocol === 'wss:' ? 443 : 80))
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4')
  try {
    return await new Promise<string | undefined>((resolve) => {
      socket.once('error', () => resolve(undefined))
      socket.connect(port, host, () => {
        try {
          resolve(socket.address().address)
        } catch {
          resolve(undefined)
        }
      })
    })
  } finally {
    socket.close()
  }
}

/**
 * `host:port` of the control API as the manager should dial it: the listen address, or for a
 * wildcard listen (`0.0.0.0`, `::`) the local address toward the manager.
 */
export async function controlDest(listenHost: string, port: number, managerUrl: string): Promise<string> {
  let host = listenHost
  if (host === '0.0.0.0' || host === '::' || host === '')
    host = (await localAddressToward(managerUrl)) ?? '127.0.0.1'
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}
