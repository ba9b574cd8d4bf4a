/** What every page knows about the scheduler (`api/meta`), given by the app to the pages. */
import { createContext } from 'preact';
import type { Meta } from './api.js';

/** The scheduler's meta; `null` until it has loaded. */
export const MetaContext = createContext<Meta | null>(null);
