/**
 * Environment lines (`NAME=value`) recognised exactly as cron's `load_env` recognises them: an
 * optional quoted name, blanks around `=`, an optional quoted value, trailing blanks dropped.
 * A line that is not an environment setting by these rules is read as a job line by cron.
 */

/** A recognised environment setting. */
export interface EnvSetting {
  name: string;
  value: string;
}

const SPACE = /\s/;

/** Reads `text` (one line, no newline) as cron's `load_env` does; null when it is not one. */
export function parseEnvSetting(text: string): EnvSetting | null {
  let at = 0;
  while (text[at] === ' ' || text[at] === '\t') at += 1;
  let name = '';
  let value = '';
  let quote = '';
  type State = 'nameStart' | 'name' | 'beforeEquals' | 'afterEquals' | 'valueStart' | 'value';
  let state: State | 'done' = 'nameStart';
  while (at < text.length) {
    const character = text.charAt(at);
    if (state === 'nameStart' || state === 'valueStart') {
      if (character === "'" || character === '"') {
        quote = character;
        at += 1;
      }
      state = state === 'nameStart' ? 'name' : 'value';
      continue;
    }
    if (state === 'name' || state === 'value') {
      if (quote !== '') {
        if (character === quote) {
          state = state === 'name' ? 'beforeEquals' : 'done';
          at += 1;
          continue;
        }
        if (state === 'name' && character === '=') return null;
      } else if (state === 'name') {
        if (SPACE.test(character)) {
          state = 'beforeEquals';
          at += 1;
          continue;
        }
        if (character === '=') {
          state = 'beforeEquals';
          continue;
        }
      }
      if (state === 'name') name += character;
      else value += character;
      at += 1;
      continue;
    }
    if (state === 'beforeEquals') {
      if (character === '=') {
        state = 'afterEquals';
        quote = '';
      } else if (!SPACE.test(character)) return null;
      at += 1;
      continue;
    }
    // afterEquals skips blanks before the value; done allows only trailing blanks.
    if (SPACE.test(character)) {
      at += 1;
      continue;
    }
    if (state === 'done') return null;
    state = 'valueStart';
  }
  if (state === 'done') return { name, value };
  if (state === 'value' && quote === '') return { name, value: value.replace(/\s+$/, '') };
  return null;
}

/** Renders a setting so that {@link parseEnvSetting} reads it back unchanged. */
export function renderEnvSetting(name: string, value: string): string {
  const plainName = /^[^\s='"]+$/.test(name);
  const plainValue = value !== '' && !/^\s|\s$|^['"]/.test(value);
  const shownName = plainName ? name : `"${name}"`;
  const shownValue = plainValue ? value : value.includes('"') ? `'${value}'` : `"${value}"`;
  return `${shownName}=${shownValue}`;
}
