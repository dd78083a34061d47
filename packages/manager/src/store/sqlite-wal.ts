/** Acknowledging SQLite commits only once the WAL is on disk, with the fsync off the event loop. */
import { type FileHandle, open, stat } from 'node:fs/promises'

/**
 * fdatasync of the WAL file on libuv's thread pool, coalesced: callers arriving while a sync runs
 * share the next one (which starts after their commit, so it covers their frames). The file is
 * reopened when its inode changes (SQLite deletes the WAL when the last connection closes).
 */
export class WalSyncer {
  readonly #path: string
  #fh: FileHandle | undefined
  #ino = -1
  #running: Promise<void> | undefined
  #next: Promise<void> | undefined

  constructor(path: string) {
    this.#path = path
  }

  sync(): Promise<void> {
    if (this.#running === undefined) {
      this.#running = this.#once().finally(() => {
        this.#running = undefined
      })
      return this.#running
    }
    if (this.#next === undefined) {
      this.#next = this.#running
        .catch(() => {})
        .then(() => {
          this.#next = undefined
          return this.sync()
        })
    }
    return this.#next
  }

  async #once(): Promise<void> {
    const st = await stat(this.#path)
    if (this.#fh === undefined || st.ino !== this.#ino) {
      await this.#fh?.close().catch(() => {})
      this.#fh = await open(this.#path, 'r')
      this.#ino = (await this.#fh.stat()).ino
    }
    await this.#fh.datasync()
  }

  async close(): Promise<void> {
    await this.#running?.catch(() => {})
    await this.#next?.catch(() => {})
    await this.#fh?.close().catch(() => {})
    this.#fh = undefined
  }
}
