/**
 * The canonical spelling of a time-zone name: IANA's own spelling of the name given, whatever its
 * case (`europe/paris` → `Europe/Paris`, `utc` → `UTC`, `us/eastern` → `US/Eastern`).
 *
 * Only the case changes, never the name: an alias stays an alias (`Asia/Calcutta` stays as it is,
 * and so does `Asia/Kolkata`). Resolving aliases would make the stored name depend on the
 * runtime: Node 20's ICU maps the current IANA names `Asia/Kolkata`, `Europe/Kyiv` and
 * `America/Argentina/Buenos_Aires` to their old CLDR names, newer engines keep them. Keeping the
 * name as given, with the case fixed, is also what ECMA-402 now specifies for
 * `resolvedOptions().timeZone`.
 */

// IANA names (tzdata 2025b, zones and backward links) whose spelling the title-case rule below
// does not produce. `Etc/GMT±N` is handled by a pattern.
const IRREGULAR_NAMES = [
  'Africa/Dar_es_Salaam',
  'America/Argentina/ComodRivadavia',
  'America/Knox_IN',
  'America/Port-au-Prince',
  'America/Port_of_Spain',
  'Antarctica/DumontDUrville',
  'Antarctica/McMurdo',
  'Australia/ACT',
  'Australia/LHI',
  'Australia/NSW',
  'Brazil/DeNoronha',
  'CET',
  'CST6CDT',
  'Chile/EasterIsland',
  'EET',
  'EST',
  'EST5EDT',
  'Etc/GMT',
  'Etc/GMT0',
  'Etc/UCT',
  'Etc/UTC',
  'Europe/Isle_of_Man',
  'GB',
  'GB-Eire',
  'GMT',
  'GMT+0',
  'GMT-0',
  'GMT0',
  'HST',
  'MET',
  'MST',
  'MST7MDT',
  'Mexico/BajaNorte',
  'Mexico/BajaSur',
  'NZ',
  'NZ-CHAT',
  'PRC',
  'PST8PDT',
  'ROC',
  'ROK',
  'UCT',
  'US/Alaska',
  'US/Aleutian',
  'US/Arizona',
  'US/Central',
  'US/East-Indiana',
  'US/Eastern',
  'US/Hawaii',
  'US/Indiana-Starke',
  'US/Michigan',
  'US/Mountain',
  'US/Pacific',
  'US/Samoa',
  'UTC',
  'W-SU',
  'WET',
];

const IRREGULAR = new Map(IRREGULAR_NAMES.map((name) => [name.toLowerCase(), name]));
const ETC_GMT = /^etc\/gmt([+-]\d{1,2})$/i;

/**
 * IANA's spelling of `name`, a zone name the runtime knows (`resolved` is what
 * `Intl.DateTimeFormat#resolvedOptions().timeZone` answered for it).
 */
export function canonicalZoneName(name: string, resolved: string): string {
  // The runtime answered with the same name: its spelling is IANA's (and on newer engines this
  // is every case).
  if (resolved.toLowerCase() === name.toLowerCase()) return resolved;
  // An alias that this runtime resolved to another zone: fix the case of the name as given.
  const lower = name.toLowerCase();
  const irregular = IRREGULAR.get(lower);
  if (irregular !== undefined) return irregular;
  const etc = ETC_GMT.exec(name);
  if (etc) return `Etc/GMT${etc[1] ?? ''}`;
  // IANA's rule for every other name: each word capitalised (`America/North_Dakota/New_Salem`).
  return lower.replace(/(^|[/_-])([a-z])/g, (_, separator: string, letter: string) => {
    return `${separator}${letter.toUpperCase()}`;
  });
}
