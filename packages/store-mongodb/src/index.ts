/**
 * @kairos/store-mongodb: the Kairos job store on MongoDB (the official `mongodb` driver). One
 * document per job; several schedulers, in several processes, may share the collection and each
 * due run fires once (compare-and-set claims); adding a job through one scheduler wakes the
 * others (change streams, or polling on a standalone server).
 */
export { MongoJobStore } from './mongodb-job-store.js';
export { mongoJobStoreOptions, type MongoJobStoreOptions } from './options.js';
export { kairosPlugin } from './plugin.js';
