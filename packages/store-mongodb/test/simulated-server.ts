/**
 * An in-process stand-in for the few MongoDB operations MongoJobStore uses, so the store's own
 * logic (claims, ordering, unrestorable jobs, wake-ups, outages) runs in tests on a machine
 * without a server. It follows MongoDB's documented semantics for exactly the filters the store
 * sends (see simulated-queries.ts), one operation at a time, and has no transactions (the store
 * goes its standalone way); it says nothing about the driver or a real server, which the suites guarded by
 * KAIROS_TEST_MONGODB_URL check.
 */
import { EventEmitter } from 'node:events';
import type { MongoClient } from 'mongodb';
import {
  aggregate,
  applyUpdate,
  comparator,
  copy,
  matches,
  project,
  type Doc,
  type Filter,
} from './simulated-queries.js';

export { matches } from './simulated-queries.js';

/** The options of the writes that may create a document. */
interface UpsertOptions {
  upsert?: boolean;
}

/** A change event as a change stream delivers it. */
interface ChangeEvent {
  _id: { token: number };
  operationType: 'insert' | 'replace' | 'update' | 'delete' | 'invalidate';
  documentKey?: { _id: unknown };
  fullDocument?: Doc;
}

/** The simulated server: collections by namespace, open change streams, up or down. */
export class SimulatedServer {
  readonly #collections = new Map<string, SimulatedCollection>();
  readonly feeds = new Set<SimulatedFeed>();
  /** False: `watch()` fails as on a standalone server (code 40573). */
  changeStreams: boolean;
  /** True: every operation rejects as when the server cannot be reached. */
  down = false;
  /** When set, new change streams fail with it (a passing failure, such as an election). */
  streamFailure: Error | undefined;
  /** How many `watch()` calls were made. */
  watchCalls = 0;
  /** The server's clock, as `hello` reports it. */
  clock: () => number = Date.now;
  /** The commands it knows (of `hello` and `isMaster`: a server before 4.2.10 has no `hello`). */
  commands = new Set(['hello', 'isMaster']);
  /** False: replies have no `localTime` (as no MongoDB server answers). */
  localTime = true;
  #token = 0;

  constructor(options: { changeStreams: boolean }) {
    this.changeStreams = options.changeStreams;
  }

  /** A client over this server (a user-owned one, as the store's `client` option takes). */
  client(): MongoClient {
    const client = {
      db: (database: string) => ({
        collection: (name: string) => this.collection(`${database}.${name}`),
        command: async (command: Doc) => {
          await this.roundTrip();
          const name = Object.keys(command)[0] ?? '';
          if (!this.commands.has(name)) {
            throw Object.assign(new Error(`no such command: '${name}'`), { code: 59 });
          }
          return { ok: 1, ...(this.localTime ? { localTime: new Date(this.clock()) } : {}) };
        },
      }),
      close: () => Promise.reject(new Error('the store must not close a client it was given')),
    };
    return client as unknown as MongoClient;
  }

  /** The collection of a namespace (`database.collection`), made on first use. */
  collection(namespace: string): SimulatedCollection {
    let collection = this.#collections.get(namespace);
    if (collection === undefined) {
      collection = new SimulatedCollection(this);
      this.#collections.set(namespace, collection);
    }
    return collection;
  }

  /** Sends a change to the open streams of a collection whose pipelines pass it. */
  publish(collection: SimulatedCollection, change: Omit<ChangeEvent, '_id'>): void {
    const event: ChangeEvent = { _id: { token: ++this.#token }, ...change };
    for (const feed of this.feeds) {
      if (feed.collection === collection) feed.deliver(event);
    }
  }

  /** Waits for the simulated network: every operation yields before it runs. */
  async roundTrip(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.down) {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017 (simulated outage)'), {
        name: 'MongoServerSelectionError',
      });
    }
  }
}

/** A change stream of the simulated server. */
export class SimulatedFeed extends EventEmitter {
  readonly collection: SimulatedCollection;
  readonly #server: SimulatedServer;
  readonly #pipeline: Doc[];
  closed = false;

  constructor(server: SimulatedServer, collection: SimulatedCollection, pipeline: Doc[]) {
    super();
    this.#server = server;
    this.collection = collection;
    this.#pipeline = pipeline;
    setImmediate(() => {
      if (this.closed) return;
      if (server.down) {
        this.emit('error', new Error('connect ECONNREFUSED (simulated outage)'));
      } else if (server.streamFailure !== undefined) {
        this.emit('error', server.streamFailure);
      } else if (!server.changeStreams) {
        this.emit(
          'error',
          Object.assign(new Error('The $changeStream stage is only supported on replica sets'), {
            code: 40573,
          }),
        );
      } else {
        server.feeds.add(this);
        this.emit('resumeTokenChanged', { token: 0 });
      }
    });
  }

  deliver(event: ChangeEvent): void {
    const passes = this.#pipeline.every((stage) => {
      const match = stage['$match'];
      return match === undefined || matches(event as unknown as Doc, match as Filter);
    });
    if (passes) setImmediate(() => !this.closed && this.emit('change', event));
  }

  /** Ends the stream with an error, as the driver does when it cannot resume. */
  fail(error: Error): void {
    this.#server.feeds.delete(this);
    this.emit('error', error);
  }

  close(): Promise<void> {
    this.closed = true;
    this.#server.feeds.delete(this);
    return Promise.resolve();
  }
}

/** A collection of the simulated server. */
export class SimulatedCollection {
  readonly documents = new Map<unknown, Doc>();
  readonly indexes: Doc[] = [];
  readonly #server: SimulatedServer;

  constructor(server: SimulatedServer) {
    this.#server = server;
  }

  async findOne(filter: Filter): Promise<Doc | null> {
    await this.#server.roundTrip();
    return copy(this.#all().find((document) => matches(document, filter)) ?? null);
  }

  find(
    filter: Filter,
    options: {
      sort?: Record<string, 1 | -1>;
      skip?: number;
      limit?: number;
      projection?: Doc;
    } = {},
  ): { toArray(): Promise<Doc[]> } {
    return {
      toArray: async () => {
        await this.#server.roundTrip();
        let found = this.#all().filter((document) => matches(document, filter));
        if (options.sort !== undefined) found = found.sort(comparator(options.sort));
        if (options.skip !== undefined) found = found.slice(options.skip);
        if (options.limit !== undefined && options.limit > 0) found = found.slice(0, options.limit);
        return found.map((document) => project(document, options.projection));
      },
    };
  }

  async insertOne(document: Doc): Promise<{ insertedId: unknown }> {
    await this.#server.roundTrip();
    if (this.documents.has(document['_id'])) throw duplicateKey(document['_id']);
    this.documents.set(document['_id'], copy(document));
    this.#server.publish(this, { operationType: 'insert', fullDocument: copy(document) });
    return { insertedId: document['_id'] };
  }

  /** An ordered insertMany: stops at the first taken id, as a bulk write error naming its index. */
  async insertMany(documents: Doc[]): Promise<{ insertedCount: number }> {
    await this.#server.roundTrip();
    for (const [index, document] of documents.entries()) {
      if (this.documents.has(document['_id'])) {
        throw Object.assign(duplicateKey(document['_id']), {
          writeErrors: [{ index, code: 11000 }],
          insertedCount: index,
        });
      }
      this.documents.set(document['_id'], copy(document));
      this.#server.publish(this, { operationType: 'insert', fullDocument: copy(document) });
    }
    return { insertedCount: documents.length };
  }

  async replaceOne(filter: Filter, replacement: Doc): Promise<{ matchedCount: number }> {
    await this.#server.roundTrip();
    return { matchedCount: this.#replace(filter, replacement) };
  }

  /**
   * An ordered bulk write of the operations the store batches (`replaceOne`, `updateOne`,
   * `deleteMany`) in one round trip; an empty one is refused, as the driver refuses it.
   */
  async bulkWrite(
    operations: Doc[],
  ): Promise<{ matchedCount: number; deletedCount: number; upsertedCount: number }> {
    if (operations.length === 0) throw new Error('Invalid BulkOperation, Batch cannot be empty');
    await this.#server.roundTrip();
    const result = { matchedCount: 0, deletedCount: 0, upsertedCount: 0 };
    for (const operation of operations) {
      const [name, spec] = (Object.entries(operation)[0] ?? ['', {}]) as [string, Doc];
      const filter = spec['filter'] as Filter;
      if (name === 'replaceOne') {
        result.matchedCount += this.#replace(filter, spec['replacement'] as Doc);
      } else if (name === 'updateOne') {
        const updated = this.#updateOne(filter, spec['update'] as Doc | Doc[], spec);
        result.matchedCount += updated.matchedCount;
        result.upsertedCount += updated.upsertedCount;
      } else if (name === 'deleteMany') {
        result.deletedCount += this.#deleteMany(filter);
      } else {
        throw new Error(`the simulated server does not know the bulk operation ${name}`);
      }
    }
    return result;
  }

  async deleteOne(filter: Filter): Promise<{ deletedCount: number }> {
    await this.#server.roundTrip();
    const found = this.#all().find((document) => matches(document, filter));
    if (found === undefined) return { deletedCount: 0 };
    this.documents.delete(found['_id']);
    this.#server.publish(this, { operationType: 'delete', documentKey: { _id: found['_id'] } });
    return { deletedCount: 1 };
  }

  async deleteMany(filter: Filter): Promise<{ deletedCount: number }> {
    await this.#server.roundTrip();
    return { deletedCount: this.#deleteMany(filter) };
  }

  async findOneAndUpdate(
    filter: Filter,
    update: { $set?: Doc; $setOnInsert?: Doc } | Doc[],
    options: UpsertOptions & { returnDocument?: 'before' | 'after'; projection?: Doc } = {},
  ): Promise<Doc | null> {
    await this.#server.roundTrip();
    const found = this.#all().find((document) => matches(document, filter));
    if (found === undefined) {
      if (options.upsert !== true) return null;
      const inserted = this.#upsert(filter, update);
      return options.returnDocument === 'after' ? project(inserted, options.projection) : null;
    }
    const updated = applyUpdate(found, update);
    this.documents.set(found['_id'], updated);
    this.#server.publish(this, { operationType: 'update', documentKey: { _id: found['_id'] } });
    return project(options.returnDocument === 'after' ? updated : found, options.projection);
  }

  async updateOne(
    filter: Filter,
    update: Doc | Doc[],
    options: UpsertOptions = {},
  ): Promise<{ matchedCount: number; upsertedCount: number }> {
    await this.#server.roundTrip();
    return this.#updateOne(filter, update, options);
  }

  async updateMany(filter: Filter, update: Doc | Doc[]): Promise<{ matchedCount: number }> {
    await this.#server.roundTrip();
    const found = this.#all().filter((document) => matches(document, filter));
    for (const document of found)
      this.documents.set(document['_id'], applyUpdate(document, update));
    return { matchedCount: found.length };
  }

  /** An aggregation; its options (`allowDiskUse`) change nothing here. */
  aggregate(pipeline: Doc[]): { toArray(): Promise<Doc[]> } {
    return {
      toArray: async () => {
        await this.#server.roundTrip();
        return aggregate(this.#all(), pipeline);
      },
    };
  }

  async findOneAndDelete(filter: Filter, options: { projection?: Doc } = {}): Promise<Doc | null> {
    await this.#server.roundTrip();
    const found = this.#all().find((document) => matches(document, filter));
    if (found === undefined) return null;
    this.documents.delete(found['_id']);
    this.#server.publish(this, { operationType: 'delete', documentKey: { _id: found['_id'] } });
    return project(found, options.projection);
  }

  async createIndex(keys: Doc): Promise<string> {
    await this.#server.roundTrip();
    const name = Object.entries(keys)
      .map(([key, direction]) => `${key}_${String(direction)}`)
      .join('_');
    if (!this.indexes.some((index) => index['name'] === name)) this.indexes.push({ name, keys });
    return name;
  }

  watch(pipeline: Doc[] = []): SimulatedFeed {
    this.#server.watchCalls += 1;
    return new SimulatedFeed(this.#server, this, pipeline);
  }

  /** Inserts the document an upsert makes: the filter's `_id`, then the update. */
  #upsert(filter: Filter, update: Doc | Doc[]): Doc {
    const id = filter['_id'];
    if (id === undefined || typeof id === 'object')
      throw new Error('simulated upserts need an _id');
    if (this.documents.has(id)) throw duplicateKey(id);
    const start = Array.isArray(update) ? {} : copy((update['$setOnInsert'] ?? {}) as Doc);
    const inserted = applyUpdate({ _id: id, ...start }, update);
    this.documents.set(id, inserted);
    return copy(inserted);
  }

  #replace(filter: Filter, replacement: Doc): number {
    const found = this.#all().find((document) => matches(document, filter));
    if (found === undefined) return 0;
    const replaced = { ...copy(replacement), _id: found['_id'] };
    this.documents.set(found['_id'], replaced);
    this.#server.publish(this, { operationType: 'replace', fullDocument: copy(replaced) });
    return 1;
  }

  #updateOne(
    filter: Filter,
    update: Doc | Doc[],
    options: UpsertOptions,
  ): { matchedCount: number; upsertedCount: number } {
    const found = this.#all().find((document) => matches(document, filter));
    if (found === undefined) {
      if (options.upsert === true) this.#upsert(filter, update);
      return { matchedCount: 0, upsertedCount: options.upsert === true ? 1 : 0 };
    }
    this.documents.set(found['_id'], applyUpdate(found, update));
    return { matchedCount: 1, upsertedCount: 0 };
  }

  #deleteMany(filter: Filter): number {
    const found = this.#all().filter((document) => matches(document, filter));
    for (const document of found) this.documents.delete(document['_id']);
    return found.length;
  }

  #all(): Doc[] {
    return [...this.documents.values()];
  }
}

function duplicateKey(id: unknown): Error {
  return Object.assign(
    new Error(
      `E11000 duplicate key error collection: index: _id_ dup key: { _id: ${JSON.stringify(id)} }`,
    ),
    { code: 11000 },
  );
}
