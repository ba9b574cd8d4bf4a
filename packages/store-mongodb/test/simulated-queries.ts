/**
 * The query language of the simulated server (simulated-server.ts): filters, sort orders,
 * update operators and pipelines, and the aggregation expressions and stages, each limited to
 * exactly what the store sends and following MongoDB's documented semantics for them (null and
 * missing alike in equality, type-bracketed comparisons, BSON's order of types, arrays matched
 * element by element). Anything else throws, so a query the simulation does not know fails a
 * test instead of passing it.
 */

export type Doc = Record<string, unknown>;
export type Filter = Record<string, unknown>;

export function copy<T>(value: T): T {
  return value === null || value === undefined ? value : structuredClone(value);
}

/** The values at a dotted path: arrays on the way are traversed element by element. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [value];
  if (Array.isArray(value)) return value.flatMap((element) => valuesAt(element, path));
  if (typeof value !== 'object' || value === null) return [undefined];
  const [key = '', ...rest] = path;
  return valuesAt((value as Doc)[key], rest);
}

/** The value at a dotted path (no array traversal), undefined when missing. */
export function valueAt(document: unknown, path: string): unknown {
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

/** BSON order of the types the store uses: null and missing, numbers, strings, objects, arrays, booleans. */
function rank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  if (Array.isArray(value)) return 4;
  if (typeof value === 'boolean') return 5;
  return 3;
}

/** BSON comparison of two values of the types the store uses. */
export function compareValues(left: unknown, right: unknown): number {
  const order = rank(left) - rank(right);
  if (order !== 0) return order;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'string' && typeof right === 'string') {
    return left < right ? -1 : left > right ? 1 : 0;
  }
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  if (rank(left) === 0) return 0;
  throw new Error(`the simulated server does not compare ${JSON.stringify([left, right])}`);
}

/** A query comparison: type bracketing, so a number bound matches numbers only. */
function compares(value: unknown, bound: unknown, test: (order: number) => boolean): boolean {
  if (rank(value) !== rank(bound) || rank(bound) === 0) return false;
  return test(compareValues(value, bound));
}

function satisfies(value: unknown, operator: string, operand: unknown): boolean {
  switch (operator) {
    case '$lt':
      return compares(value, operand, (order) => order < 0);
    case '$lte':
      return compares(value, operand, (order) => order <= 0);
    case '$gt':
      return compares(value, operand, (order) => order > 0);
    case '$gte':
      return compares(value, operand, (order) => order >= 0);
    case '$in':
      return (operand as unknown[]).some((candidate) => equals(value, candidate));
    case '$type':
      if (operand !== 'number') throw new Error(`simulated $type ${String(operand)}`);
      return typeof value === 'number';
    default:
      throw new Error(`the simulated server does not know ${operator}`);
  }
}

/** Whether a document matches a filter of the operators the store uses. */
export function matches(document: Doc, filter: Filter): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$or') return (condition as Filter[]).some((branch) => matches(document, branch));
    if (key === '$and') return (condition as Filter[]).every((branch) => matches(document, branch));
    const values = valuesAt(document, key.split('.'));
    if (!isOperatorObject(condition)) return values.some((value) => equals(value, condition));
    return Object.entries(condition).every(([operator, operand]) =>
      // $ne matches when no value equals; the others when one value passes.
      operator === '$ne'
        ? !values.some((value) => equals(value, operand))
        : values.some((value) => satisfies(value, operator, operand)),
    );
  });
}

/** The order of a sort specification. */
export function comparator(sort: Record<string, 1 | -1>): (a: Doc, b: Doc) => number {
  return (a, b) => {
    for (const [key, direction] of Object.entries(sort)) {
      const order = compareValues(valueAt(a, key), valueAt(b, key));
      if (order !== 0) return order * direction;
    }
    return 0;
  };
}

/** Keeps `_id` and the projected fields (inclusion projections only). */
export function project(document: Doc, projection: Doc | undefined): Doc {
  if (projection === undefined) return copy(document);
  const kept: Doc = { _id: document['_id'] };
  for (const key of Object.keys(projection)) {
    if (key in document) kept[key] = copy(document[key]);
  }
  return kept;
}

type Variables = Record<string, unknown>;

/** An aggregation expression's value for a document, with the variables in scope. */
export function evaluate(expression: unknown, document: Doc, variables: Variables = {}): unknown {
  const value = (operand: unknown): unknown => evaluate(operand, document, variables);
  if (typeof expression === 'string' && expression.startsWith('$$')) {
    const [name = '', ...path] = expression.slice(2).split('.');
    if (!(name in variables)) throw new Error(`simulated: unknown variable $$${name}`);
    return path.length === 0 ? variables[name] : valueAt(variables[name], path.join('.'));
  }
  if (typeof expression === 'string' && expression.startsWith('$')) {
    return valueAt(document, expression.slice(1));
  }
  if (Array.isArray(expression)) return expression.map(value);
  if (typeof expression !== 'object' || expression === null) return expression;
  const entries: [string, unknown][] = Object.entries(expression as Doc);
  const [operator, operand] = entries[0] ?? ['', undefined];
  if (entries.length !== 1 || !operator.startsWith('$')) {
    return Object.fromEntries(entries.map(([key, field]) => [key, value(field)]));
  }
  const args = (): unknown[] => (operand as unknown[]).map(value);
  const over = (spec: Doc, each: (element: unknown, scope: Variables) => unknown) => {
    const input = value(spec['input']);
    if (!Array.isArray(input)) throw new Error('simulated: $filter/$map input is not an array');
    return input.map((element) => each(element, { ...variables, this: element }));
  };
  switch (operator) {
    case '$literal':
      return copy(operand);
    case '$ifNull': {
      const [first, fallback] = args();
      return first === null || first === undefined ? fallback : first;
    }
    case '$filter': {
      const spec = operand as Doc;
      const kept: unknown[] = [];
      over(spec, (element, scope) => {
        if (evaluate(spec['cond'], document, scope) === true) kept.push(element);
      });
      return kept;
    }
    case '$map': {
      const spec = operand as Doc;
      return over(spec, (_element, scope) => evaluate(spec['in'], document, scope));
    }
    case '$setUnion': {
      const union: unknown[] = [];
      for (const element of args().flat()) {
        if (!union.some((kept) => equals(kept, element))) union.push(element);
      }
      return union;
    }
    case '$size':
      return (value(operand) as unknown[]).length;
    case '$concatArrays':
      return args().flat(1);
    case '$mergeObjects':
      return Object.assign({}, ...(args() as Doc[]));
    case '$cond': {
      const [test, then, otherwise] = operand as unknown[];
      return value(test) === true ? value(then) : value(otherwise);
    }
    case '$and':
      return args().every((result) => result === true);
    case '$not': {
      const [operand] = args();
      return operand !== true;
    }
    case '$arrayElemAt': {
      const [array, index] = args() as [unknown[], number];
      return index < 0 ? array[array.length + index] : array[index];
    }
    case '$in': {
      const [needle, haystack] = args();
      return (haystack as unknown[]).some((candidate) => equals(needle, candidate));
    }
    case '$eq':
    case '$ne': {
      const [left, right] = args();
      return (compareValues(left, right) === 0) === (operator === '$eq');
    }
    case '$lt':
    case '$gte': {
      const [left, right] = args();
      const order = compareValues(left, right);
      return operator === '$lt' ? order < 0 : order >= 0;
    }
    default:
      throw new Error(`the simulated server does not know the expression ${operator}`);
  }
}

/** A document after an update: operators (`$set`) or a pipeline of `$set` stages. */
export function applyUpdate(document: Doc, update: Doc | Doc[]): Doc {
  if (Array.isArray(update)) {
    return update.reduce<Doc>((current, stage) => {
      const fields = stage['$set'];
      if (Object.keys(stage).length !== 1 || fields === undefined) {
        throw new Error(`the simulated server does not know the stage ${JSON.stringify(stage)}`);
      }
      const computed = evaluate(fields, current, { ROOT: current }) as Doc;
      return { ...current, ...computed };
    }, document);
  }
  for (const operator of Object.keys(update)) {
    if (operator !== '$set' && operator !== '$setOnInsert') {
      throw new Error(`the simulated server does not know the update ${operator}`);
    }
  }
  return { ...document, ...copy((update['$set'] ?? {}) as Doc) };
}

/**
 * An aggregation of `$match`, `$sort`, `$group` (with `$first`, `$push` and `$min`
 * accumulators) and `$project` (fields kept with 1, or computed).
 */
export function aggregate(documents: Doc[], pipeline: Doc[]): Doc[] {
  let current = documents.map(copy);
  for (const stage of pipeline) {
    const [name, spec] = Object.entries(stage)[0] ?? ['', undefined];
    if (name === '$match')
      current = current.filter((document) => matches(document, spec as Filter));
    else if (name === '$sort') current = current.sort(comparator(spec as Record<string, 1 | -1>));
    else if (name === '$group') current = group(current, spec as Doc);
    else if (name === '$project') current = current.map((document) => shape(document, spec as Doc));
    else throw new Error(`the simulated server does not know the stage ${name}`);
  }
  return current;
}

function group(documents: Doc[], spec: Doc): Doc[] {
  const groups = new Map<string, Doc>();
  for (const document of documents) {
    const id = evaluate(spec['_id'], document);
    const key = JSON.stringify(id);
    const known = groups.get(key);
    const grouped: Doc = known ?? { _id: id };
    for (const [field, accumulator] of Object.entries(spec)) {
      if (field === '_id') continue;
      const [name, expression] = Object.entries(accumulator as Doc)[0] ?? ['', undefined];
      const value = evaluate(expression, document);
      if (name === '$first') {
        if (known === undefined) grouped[field] = value;
      } else if (name === '$push') {
        grouped[field] = [...((grouped[field] as unknown[] | undefined) ?? []), value];
      } else if (name === '$min') {
        const current = grouped[field];
        if (current === undefined || compareValues(value, current) < 0) grouped[field] = value;
      } else {
        throw new Error(`simulated $group knows $first, $push and $min only: ${field}`);
      }
    }
    groups.set(key, grouped);
  }
  return [...groups.values()];
}

/** A document through a `$project` stage: `_id`, the fields kept with 1 and the computed ones. */
function shape(document: Doc, spec: Doc): Doc {
  const shaped: Doc = { _id: document['_id'] };
  for (const [field, expression] of Object.entries(spec)) {
    const value = expression === 1 ? document[field] : evaluate(expression, document);
    // A missing value (an index past the array's end) leaves the field out, as MongoDB does.
    if (value !== undefined) shaped[field] = value;
  }
  return shaped;
}
