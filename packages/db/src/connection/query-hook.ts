import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlDriverAdapterFactory,
  SqlQuery,
  Transaction,
} from "@prisma/driver-adapter-utils";

/**
 * Sees a statement before it is sent: its SQL and the values bound to its $1, $2... as Prisma hands
 * them to the driver (strings for decimals and timestamps); none for BEGIN / COMMIT / savepoints.
 */
export type OnQuery = (sql: string, params: readonly unknown[]) => void;

const NO_PARAMS: readonly unknown[] = Object.freeze([]);

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
      onQuery(query.sql, query.args);
      return adapter.queryRaw(query);
    },
    executeRaw: (query: SqlQuery) => {
      onQuery(query.sql, query.args);
      return adapter.executeRaw(query);
    },
    executeScript: (script: string) => {
      onQuery(script, NO_PARAMS);
      return adapter.executeScript(script);
    },
    startTransaction: async (isolationLevel?: IsolationLevel) => {
      onQuery("BEGIN", NO_PARAMS);
      if (isolationLevel) onQuery(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`, NO_PARAMS);
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
      onQuery(query.sql, query.args);
      return tx.queryRaw(query);
    },
    executeRaw: (query) => {
      onQuery(query.sql, query.args);
      return tx.executeRaw(query);
    },
    commit: () => {
      if (phantom) onQuery("COMMIT", NO_PARAMS);
      return tx.commit();
    },
    rollback: () => {
      if (phantom) onQuery("ROLLBACK", NO_PARAMS);
      return tx.rollback();
    },
  };
  if (tx.createSavepoint) {
    const create = tx.createSavepoint.bind(tx);
    hooked.createSavepoint = (name) => {
      onQuery(`SAVEPOINT ${name}`, NO_PARAMS);
      return create(name);
    };
  }
  if (tx.rollbackToSavepoint) {
    const rollbackTo = tx.rollbackToSavepoint.bind(tx);
    hooked.rollbackToSavepoint = (name) => {
      onQuery(`ROLLBACK TO SAVEPOINT ${name}`, NO_PARAMS);
      return rollbackTo(name);
    };
  }
  if (tx.releaseSavepoint) {
    const release = tx.releaseSavepoint.bind(tx);
    hooked.releaseSavepoint = (name) => {
      onQuery(`RELEASE SAVEPOINT ${name}`, NO_PARAMS);
      return release(name);
    };
  }
  return hooked;
}
