/** An in-process lock per key; calls on one key run one after another, in call order. */
export class KeyedMutex {
  #tails = new Map<string, Promise<unknown>>()

  /**
   * Runs `fn` once every earlier call on `key` has settled.
   *
   * @example
   * ```ts
   * await mutex.run('m-1000-n-1', async () => update())
   * ```
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.then(
      () => {},
      () => {},
    )
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return next
  }
}
