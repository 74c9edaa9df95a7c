// Placeholder until @tradedesk/core exports the InvalidationBus interface.
export interface InvalidationMessage {
  origin: string;
  userId: string | null;
  dataType: string | null;
}
export interface InvalidationBus {
  publish(message: InvalidationMessage): Promise<void>;
  subscribe(handler: (message: InvalidationMessage) => void): () => void;
  close(): Promise<void>;
}
