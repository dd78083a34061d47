/**
 * One typed-event pattern for every service: a map from event name to payload type, `on()`
 * returning its own unsubscribe function, and listeners that cannot break the emitter.
 */

/** Event name → payload type, e.g. `{ 'sector:state': { sector: number; state: string } }`. */
export type EventMap = { [name: string]: unknown }

/** A listener of one event. */
export type Listener<T> = (event: T) => void

/**
 * A typed event emitter. Services extend it (or hold one and expose `on`) with their event map;
 * a listener that throws is reported to `onListenerError` and never stops the others or the
 * service.
 *
 * @example
 * ```ts
 * type BatcherEvents = { 'batch:sent': { kind: 'pre' | 'prove'; sectors: number; cid: string } }
 * const events = new TypedEmitter<BatcherEvents>()
 * const off = events.on('batch:sent', (e) => console.log(e.cid))
 * events.emit('batch:sent', { kind: 'pre', sectors: 4, cid: 'bafy…' })
 * off()
 * ```
 */
export class TypedEmitter<E extends EventMap> {
  readonly #listeners = new Map<keyof E, Set<Listener<never>>>()
  readonly #onListenerError: (err: unknown, event: string) => void

  constructor(opts: { onListenerError?: (err: unknown, event: string) => void } = {}) {
    this.#onListenerError = opts.onListenerError ?? (() => {})
  }

  /** Calls `listener` for every `type` event until the returned function is called. */
  on<K extends keyof E & string>(type: K, listener: Listener<E[K]>): () => void {
    let set = this.#listeners.get(type)
    if (set === undefined) {
      set = new Set()
      this.#listeners.set(type, set)
    }
    set.add(listener as Listener<never>)
    return () => this.off(type, listener)
  }

  /** Calls `listener` for the next `type` event only. */
  once<K extends keyof E & string>(type: K, listener: Listener<E[K]>): () => void {
    const off = this.on(type, (e) => {
      off()
      listener(e)
    })
    return off
  }

  /** Removes a listener added with {@link TypedEmitter.on}. */
  off<K extends keyof E & string>(type: K, listener: Listener<E[K]>): void {
    const set = this.#listeners.get(type)
    set?.delete(listener as Listener<never>)
    if (set?.size === 0) this.#listeners.delete(type)
  }

  /** Listeners of `type` now. */
  listenerCount<K extends keyof E & string>(type: K): number {
    return this.#listeners.get(type)?.size ?? 0
  }

  /** Delivers `event` to every listener of `type`, synchronously, in the order they were added. */
  emit<K extends keyof E & string>(type: K, event: E[K]): void {
    const set = this.#listeners.get(type)
    if (set === undefined) return
    for (const l of [...set]) {
      try {
        ;(l as Listener<E[K]>)(event)
      } catch (err) {
        this.#onListenerError(err, type)
      }
    }
  }
}
