/**
 * The part of the positions cache (../cache) the desk uses. The cache's own type satisfies
 * it; the desk depends on no more than this.
 */
export interface CachedRead<T> {
  value: T;
  fromCache: boolean;
  /** ms since epoch, when the value was loaded. */
  storedAt: number;
  stale?: boolean;
  ageMs?: number;
}

export interface InvalidationEvent {
  userId: string | null;
  dataType: string | null;
  removed: number;
  origin: string;
}

export interface DeskCache {
  getOrLoad<T>(
    userId: string,
    dataType: string,
    loader: () => Promise<T>,
    options?: { ttlMs?: number; staleIfErrorMs?: number },
  ): Promise<CachedRead<T>>;
  invalidate(userId: string, dataType?: string): number;
  getMetrics(): object;
  onInvalidate(listener: (event: InvalidationEvent) => void): () => void;
}
