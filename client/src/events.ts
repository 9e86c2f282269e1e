// A small typed event emitter: one handler type per event name. A throwing listener never stops
// delivery to the others (it is reported through onListenerError).
type Handlers = Record<string, (...args: any[]) => void>;

export class Emitter<E extends Handlers> {
  private handlers = new Map<keyof E, Set<E[keyof E]>>();
  protected onListenerError: (error: unknown, event: string) => void = (e, event) => console.error(`edge-chat: a "${event}" listener threw`, e);

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof E>(event: K, listener: E[K]) {
    this.handlers.get(event)?.delete(listener);
  }

  /** Resolves with the next event's arguments' first value. */
  once<K extends keyof E>(event: K): Promise<Parameters<E[K]>[0]> {
    return new Promise((resolve) => {
      const off = this.on(event, ((arg: Parameters<E[K]>[0]) => {
        off();
        resolve(arg);
      }) as E[K]);
    });
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>) {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (e) {
        this.onListenerError(e, String(event));
      }
    }
  }
}
