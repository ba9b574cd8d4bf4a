/**
 * An in-process stand-in for the few MongoDB operations MongoJobStore uses, so the store's own
 * logic (claims, ordering, unrestorable jobs, wake-ups, outages) runs in tests on a machine
 * without a server. It follows MongoDB's documented semantics for exactly the filters the store
 * sends (equality, $lte, $ne, $in, $type 'number', $or; null sorting first; type-bracketed
 * comparisons); it says nothing about the driver or a real server, which the suites guarded by
 * KAIROS_TEST_MONGODB_URL check.
 */
import { EventEmitter } from 'node:events';
import type { MongoClient } from 'mongodb';

type Doc = Record<string, unknown>;
type Filter = Record<string, unknown>;

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
  #token = 0;

  constructor(options: { changeStreams: boolean }) {
    this.changeStreams = options.changeStreams;
  }

  /** A client over this server (a user-owned one, as the store's `client` option takes). */
  client(): MongoClient {
    const client = {
      db: (database: string) => ({
        collection: (name: string) => this.collection(`${database}.${name}`),
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
    options: { sort?: Record<string, 1 | -1>; limit?: number; projection?: Doc } = {},
  ): { toArray(): Promise<Doc[]> } {
    return {
      toArray: async () => {
        await this.#server.roundTrip();
        let found = this.#all().filter((document) => matches(document, filter));
        if (options.sort !== undefined) found = found.sort(comparator(options.sort));
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
    const found = this.#all().find((document) => matches(document, filter));
    if (found === undefined) return { matchedCount: 0 };
    const replaced = { ...copy(replacement), _id: found['_id'] };
    this.documents.set(found['_id'], replaced);
    this.#server.publish(this, { operationType: 'replace', fullDocument: copy(replaced) });
    return { matchedCount: 1 };
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
    const found = this.#all().filter((document) => matches(document, filter));
    for (const document of found) this.documents.delete(document['_id']);
    return { deletedCount: found.length };
  }

  async findOneAndUpdate(
    filter: Filter,
    update: { $set?: Doc; $setOnInsert?: Doc },
    options: { upsert?: boolean; returnDocument?: 'before' | 'after'; projection?: Doc } = {},
  ): Promise<Doc | null> {
    await this.#server.roundTrip();
    const found = this.#all().find((document) => matches(document, filter));
    if (found === undefined) {
      if (options.upsert !== true) return null;
      const id = filter['_id'];
      if (this.documents.has(id)) throw duplicateKey(id);
      const inserted = { _id: id, ...copy(update.$setOnInsert ?? {}), ...copy(update.$set ?? {}) };
      this.documents.set(id, inserted);
      return options.returnDocument === 'after' ? project(inserted, options.projection) : null;
    }
    const updated = { ...found, ...copy(update.$set ?? {}) };
    this.documents.set(found['_id'], updated);
    this.#server.publish(this, { operationType: 'update', documentKey: { _id: found['_id'] } });
    return project(options.returnDocument === 'after' ? updated : found, options.projection);
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

function copy<T>(value: T): T {
  return value === null ? value : structuredClone(value);
}

function project(document: Doc, projection: Doc | undefined): Doc {
  if (projection === undefined) return copy(document);
  const kept: Doc = { _id: document['_id'] };
  for (const key of Object.keys(projection)) {
    if (key in document) kept[key] = copy(document[key]);
  }
  return kept;
}

/** The value at a dotted path, undefined when missing. */
function valueAt(document: Doc, path: string): unknown {
  let value: unknown = document;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Doc)[key];
  }
  return value;
}

function isOperatorObject(value: unknown): value is Doc {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    Object.keys(value).every((key) => key.startsWith('$'))
  );
}

/** `{field: null}` matches null and missing fields, as in MongoDB. */
function equals(value: unknown, expected: unknown): boolean {
  if (expected === null) return value === null || value === undefined;
  return JSON.stringify(value) === JSON.stringify(expected);
}

/** Whether a document matches a filter of the operators the store uses. */
export function matches(document: Doc, filter: Filter): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$or') return (condition as Filter[]).some((branch) => matches(document, branch));
    const value = valueAt(document, key);
    if (!isOperatorObject(condition)) return equals(value, condition);
    return Object.entries(condition).every(([operator, operand]) => {
      switch (operator) {
        case '$lte':
          // Type bracketing: a number bound matches numbers only.
          return typeof value === 'number' && typeof operand === 'number' && value <= operand;
        case '$ne':
          return !equals(value, operand);
        case '$in':
          return (operand as unknown[]).some((candidate) => equals(value, candidate));
        case '$type':
          if (operand !== 'number') throw new Error(`simulated $type ${String(operand)}`);
          return typeof value === 'number';
        default:
          throw new Error(`the simulated server does not know ${operator}`);
      }
    });
  });
}

/** BSON order for the types the store sorts: null and missing, then numbers, then strings. */
function rank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  return 3;
}

function comparator(sort: Record<string, 1 | -1>): (a: Doc, b: Doc) => number {
  return (a, b) => {
    for (const [key, direction] of Object.entries(sort)) {
      const left = valueAt(a, key);
      const right = valueAt(b, key);
      let order = rank(left) - rank(right);
      if (order === 0 && rank(left) === 1) order = (left as number) - (right as number);
      if (order === 0 && rank(left) === 2)
        order =
          (left as string) < (right as string) ? -1 : (left as string) > (right as string) ? 1 : 0;
      if (order !== 0) return order * direction;
    }
    return 0;
  };
}
