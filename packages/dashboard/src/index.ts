/**
 * @kairos/dashboard: the Kairos web page — jobs, schedules in words, next runs, run history, runs
 * in flight, nodes and live events, with run now, pause, resume and remove — built into the
 * package and served by @kairos/http's API.
 */
export { createDashboard, type DashboardOptions } from './dashboard.js';
export { dashboardPage } from './page.js';
export { DashboardNotBuiltError } from './errors.js';
