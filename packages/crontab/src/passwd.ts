/**
 * A user's account from /etc/passwd: the `HOME` cron gives the user's jobs, and the ids a
 * daemon running as root switches to before running them.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** A user as /etc/passwd lists it; only `name` when the user is not listed there. */
export interface UserAccount {
  /** The login name. */
  readonly name: string;
  /** The home folder. */
  readonly home?: string;
  /** The numeric user id. */
  readonly uid?: number;
  /** The numeric id of the user's primary group. */
  readonly gid?: number;
}

/** A user's name, home folder and ids; the current user's when `name` is null. */
export function lookupUser(name: string | null, passwdPath = '/etc/passwd'): UserAccount {
  if (name === null) {
    const me = userInfo();
    return { name: me.username, home: me.homedir, uid: me.uid, gid: me.gid };
  }
  try {
    for (const line of readFileSync(passwdPath, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === name && fields[5] !== undefined) {
        return { name, home: fields[5], uid: Number(fields[2]), gid: Number(fields[3]) };
      }
    }
  } catch {
    // No readable passwd file: HOME stays unknown, as for a user not listed there.
  }
  return { name };
}
