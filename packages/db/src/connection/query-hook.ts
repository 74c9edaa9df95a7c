import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from "@prisma/driver-adapter-utils";

export type OnQuery = (sql: string) => void;

/**
 * Wraps a Prisma driver adapter so onQuery sees every statement sent to the database, including
 * BEGIN / COMMIT / ROLLBACK and savepoints that adapters issue internally (pg sends BEGIN itself;
 * PGlite sends BEGIN and COMMIT itself, as "phantom" queries Prisma never passes through).
 */
export function withQueryHook(factory: SqlDriverAdapterFactory, onQuery: OnQuery): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => hookAdapter(await factory.connect(), onQuery),
  };
}

function hookAdapter(adapter: SqlDriverAdapter, onQuery: OnQuery): SqlDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query: SqlQuery) => {
      onQuery(query.sql);
      return adapter.queryRaw(query);
    },
    executeRaw: (query: SqlQuery) => {
      onQuery(query.sql);
      return adapter.executeRaw(query);
    },
    executeScript: (script: string) => {
      onQuery(script);
      return adapter.executeScript(script);
    },
    startTransaction: async (isolationLevel?: IsolationLevel) => {
      onQuery("BEGIN");
      if (isolationLevel) onQuery(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
      return hookTransaction(await adapter.startTransaction(isolationLevel), onQuery);
    },
    getConnectionInfo: adapter.getConnectionInfo?.bind(adapter),
    dispose: () => adapter.dispose(),
  };
}

function hookTransaction(tx: Transaction, onQuery: OnQuery): Transaction {
  // Without phantom queries Prisma sends COMMIT / ROLLBACK through executeRaw (seen there).
  const phantom = tx.options.usePhantomQuery;
  const hooked: Transaction = {
    provider: tx.provider,
    adapterName: tx.adapterName,
    options: tx.options,
    queryRaw: (query) => {
      onQuery(query.sql);
      return tx.queryRaw(query);
    },
    executeRaw: (query) => {
      onQuery(query.sql);
      return tx.executeRaw(query);
    },
    commit: () => {
      if (phantom) onQuery("COMMIT");
      return tx.commit();
    },
    rollback: () => {
      if (phantom) onQuery("ROLLBACK");
      return tx.rollback();
    },
  };
  if (tx.createSavepoint) {
    const create = tx.createSavepoint.bind(tx);
    hooked.createSavepoint = (name) => {
      onQuery(`SAVEPOINT ${name}`);
      return create(name);
    };
  }
  if (tx.rollbackToSavepoint) {
    const rollbackTo = tx.rollbackToSavepoint.bind(tx);
    hooked.rollbackToSavepoint = (name) => {
      onQuery(`ROLLBACK TO SAVEPOINT ${name}`);
      return rollbackTo(name);
    };
  }
  if (tx.releaseSavepoint) {
    const release = tx.releaseSavepoint.bind(tx);
    hooked.releaseSavepoint = (name) => {
      onQuery(`RELEASE SAVEPOINT ${name}`);
      return release(name);
    };
  }
  return hooked;
}
