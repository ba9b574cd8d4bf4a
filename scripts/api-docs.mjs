// Generates the API reference in docs/api/ from the doc comments of every package's public entry
// points (the `exports` map of each packages/*/package.json), with TypeDoc and
// typedoc-plugin-markdown; the static options live in typedoc.json.
//
//   node scripts/api-docs.mjs          write docs/api/
//   node scripts/api-docs.mjs --check  fail when a public export has no doc comment, TypeDoc
//                                      reports a comment (a broken {@link} …), or docs/api/
//                                      differs from what the comments generate now
//
// "Public export": an export of an entry point and the members of exported classes, interfaces,
// enums and object type aliases; `@internal` symbols are left out, as the builds strip them.
//
// TypeDoc reads the packages' src/ as one program: each package name (and subpath export) maps to
// its source entry file, so a type re-exported or implemented across packages is the same symbol
// everywhere, and `{@inheritDoc JobStore.addJob}` in a store finds the core's `JobStore`.
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Application,
  Comment,
  Converter,
  DeclarationReflection,
  ReferenceReflection,
  ReflectionKind,
  ReflectionType,
  TSConfigReader,
  TypeDocReader,
} from 'typedoc';

const repoDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const apiDir = join(repoDir, 'docs', 'api');
const check = process.argv.includes('--check');

/**
 * Every public entry point: the module name users import, and the source file behind it. A
 * package comes after the workspace packages it depends on, so that a symbol belongs to the
 * package that declares it and a package re-exporting it (as `kairos` does) links to it.
 */
function publicEntryPoints() {
  const packagesDir = join(repoDir, 'packages');
  const manifests = new Map();
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifestPath = join(packagesDir, dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (!manifest.private) manifests.set(manifest.name, { dir: join(packagesDir, dir), manifest });
  }
  const ordered = [];
  const seen = new Set();
  const visit = (name) => {
    const found = manifests.get(name);
    if (!found || seen.has(name)) return;
    seen.add(name);
    const { dependencies = {}, peerDependencies = {} } = found.manifest;
    for (const dependency of Object.keys({ ...dependencies, ...peerDependencies }).sort()) {
      visit(dependency);
    }
    ordered.push(found);
  };
  for (const name of manifests.keys()) visit(name);
  const entries = [];
  for (const { dir, manifest } of ordered) {
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const types = typeof target === 'string' ? target : target.types;
      if (!types?.endsWith('.d.ts')) continue; // ./package.json
      const source = types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts');
      entries.push({
        name: manifest.name + subpath.slice(1),
        description: subpath === '.' ? manifest.description : leadingComment(join(dir, source)),
        file: join(dir, source),
      });
    }
  }
  return entries;
}

/** The text of the comment a source file opens with (its description of itself), if any. */
function leadingComment(file) {
  const match = /^\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'));
  if (!match) return undefined;
  return match[1]
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trim())
    .filter(Boolean)
    .join(' ');
}

/** The module a reflection belongs to. */
function moduleOf(reflection) {
  let current = reflection;
  while (current && !current.kindOf(ReflectionKind.Module)) current = current.parent;
  return current;
}

/** Whether `module` declares `name` itself (not as a re-export of another module's symbol). */
function declares(module, name) {
  const child = module?.getChildByName([name]);
  return child instanceof DeclarationReflection && !(child instanceof ReferenceReflection);
}

/** The `{@inheritDoc …}` inline tag of a comment's summary, and its index there. */
function inlineInheritDoc(comment) {
  const index = comment?.summary.findIndex(
    (part) => part.kind === 'inline-tag' && part.tag === '@inheritDoc',
  );
  return index === undefined || index < 0 ? null : { index, part: comment.summary[index] };
}

/**
 * Names modules after the packages users import, qualifies `{@inheritDoc X.y}` references to a
 * symbol of another package with that package, and keeps the text written around an
 * `{@inheritDoc}` (TypeDoc would replace the whole summary with the inherited one).
 */
function adaptConversion(app, entries) {
  const byFile = new Map(entries.map((entry) => [entry.file, entry]));
  const kept = new Map();

  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile();
    const entry = file && byFile.get(file.fileName.split('/').join(sep));
    if (entry) reflection.name = entry.name;
  });

  // `{@link UnrestorableJobs}` in a comment a store inherits from the core: look in the module
  // that declares it when the store's module does not.
  app.converter.addUnknownSymbolResolver((ref, reflection) => {
    const names = ref.moduleSource ? [] : (ref.symbolReference?.path ?? []).map((c) => c.path);
    if (names.length === 0) return undefined;
    const owner = reflection.project.children?.find((module) => declares(module, names[0]));
    const target = owner?.getChildByName(names);
    return target ? { target } : undefined;
  });

  app.converter.on(
    Converter.EVENT_RESOLVE_END,
    (context) => {
      const project = context.project;
      for (const entry of entries) {
        const module = project.getChildByName([entry.name]);
        if (module && !module.hasComment() && entry.description) {
          module.comment = new Comment([{ kind: 'text', text: entry.description }]);
        }
      }
      for (const reflection of Object.values(project.reflections)) {
        const found = inlineInheritDoc(reflection.comment);
        if (!found) continue;
        const target = found.part.text.trim();
        const first = target.split(/[.#~]/)[0];
        if (!target.includes('!') && !declares(moduleOf(reflection), first)) {
          const owner = project.children?.find((module) => declares(module, first));
          if (owner) found.part.text = `${owner.name}!${target}`;
        }
        const summary = reflection.comment.summary;
        if (summary.some((part, i) => i !== found.index && part.text.trim() !== '')) {
          kept.set(reflection, {
            before: summary.slice(0, found.index),
            after: summary.slice(found.index + 1),
            original: summary,
          });
          reflection.comment.summary = [found.part];
        }
      }
    },
    100, // before TypeDoc's own @inheritDoc handling
  );

  app.converter.on(
    Converter.EVENT_RESOLVE_END,
    () => {
      for (const [reflection, { before, after, original }] of kept) {
        const comment = reflection.comment;
        if (inlineInheritDoc(comment)) {
          comment.summary = original; // unresolved: TypeDoc reports it
          continue;
        }
        const gap = [{ kind: 'text', text: '\n\n' }];
        comment.summary = [
          ...before,
          ...(before.length ? gap : []),
          ...comment.summary,
          ...(after.length ? gap : []),
          ...after.map((part, i) => (i === 0 ? { ...part, text: part.text.trimStart() } : part)),
        ];
      }
      kept.clear();
    },
    -100, // after it, before links are resolved
  );
}

/** Kinds that need a doc comment, as TypeDoc's `requiredToBeDocumented` default lists them. */
const DOCUMENTED_KINDS =
  ReflectionKind.Enum |
  ReflectionKind.EnumMember |
  ReflectionKind.Variable |
  ReflectionKind.Function |
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.Property |
  ReflectionKind.Method |
  ReflectionKind.Accessor |
  ReflectionKind.TypeAlias;

/** Public symbols of the packages' src/ without a doc comment, as `file:line  name (kind)`. */
function undocumented(project) {
  const problems = new Set();
  for (const reflection of project.getReflectionsByKind(DOCUMENTED_KINDS)) {
    if (reflection instanceof ReferenceReflection || !isPublicDeclaration(reflection)) continue;
    if (reflection.hasComment() || hasSignatureComment(reflection)) continue;
    const id = project.getSymbolIdFromReflection(reflection);
    const file = id?.fileName && relative(repoDir, id.fileName);
    if (!file || !/^packages\/[^/]+\/src\//.test(file.split(sep).join('/'))) continue;
    const line = readFileSync(id.fileName, 'utf8').slice(0, id.pos).split('\n').length;
    const kind = ReflectionKind.singularString(reflection.kind).toLowerCase();
    problems.add(`${file}:${line}  ${reflection.getFriendlyFullName()} (${kind})`);
  }
  return [...problems].sort();
}

/**
 * An export, a member of an exported class, interface or enum, or a property of an exported
 * `type X = { … }`. Members of anonymous types (in a union, a variable's type, a return type or
 * a type argument) are described by the comment of the declaration they appear in.
 */
function isPublicDeclaration(reflection) {
  const parent = reflection.parent;
  if (!parent) return false;
  if (parent.kindOf(ReflectionKind.SomeModule)) return true;
  // TypeDoc gives an object type alias its members directly, as it does an interface.
  return parent.kindOf(
    ReflectionKind.ClassOrInterface | ReflectionKind.Enum | ReflectionKind.TypeAlias,
  );
}

/**
 * Functions and methods are documented by the comments of their signatures (each overload's),
 * accessors by their getter's or setter's.
 */
function hasSignatureComment(reflection) {
  if (reflection.kindOf(ReflectionKind.Accessor)) {
    return Boolean(reflection.getSignature?.hasComment() || reflection.setSignature?.hasComment());
  }
  const signatures =
    reflection.type instanceof ReflectionType
      ? reflection.type.declaration.getNonIndexSignatures()
      : (reflection.getNonIndexSignatures?.() ?? []);
  return signatures.length > 0 && signatures.every((signature) => signature.hasComment());
}

/** Relative paths of the files under `dir`, sorted. */
function listFiles(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((item) =>
      item.isDirectory()
        ? listFiles(join(dir, item.name), `${prefix}${item.name}/`)
        : [`${prefix}${item.name}`],
    )
    .sort();
}

/** Files that differ between two generated trees. */
function differences(expectedDir, actualDir) {
  const expected = listFiles(expectedDir);
  const actual = listFiles(actualDir);
  const names = [...new Set([...expected, ...actual])].sort();
  return names.filter((name) => {
    if (!expected.includes(name) || !actual.includes(name)) return true;
    return !readFileSync(join(expectedDir, name)).equals(readFileSync(join(actualDir, name)));
  });
}

async function main() {
  const started = Date.now();
  const entries = publicEntryPoints();
  const out = check ? mkdtempSync(join(tmpdir(), 'kairos-api-')) : apiDir;
  try {
    const app = await Application.bootstrapWithPlugins(
      {
        entryPoints: entries.map((entry) => entry.file),
        out,
        compilerOptions: {
          paths: Object.fromEntries(entries.map((entry) => [entry.name, [entry.file]])),
        },
      },
      [new TypeDocReader(), new TSConfigReader()],
    );
    adaptConversion(app, entries);
    const warn = app.logger.warn.bind(app.logger);
    app.logger.warn = (message, ...rest) => {
      // adaptConversion keeps that content: the warning is about TypeDoc's own behaviour.
      if (String(message).startsWith('Content in the summary section will be overwritten')) return;
      warn(message, ...rest);
    };
    const project = await app.convert();
    if (!project) return fail('TypeDoc could not convert the packages (see above)');
    app.validate(project);
    const missing = undocumented(project);
    if (missing.length) {
      console.error(`\n${missing.length} public exports have no doc comment:`);
      for (const line of missing) console.error(`  ${line}`);
    }
    const problems = missing.length > 0 || reported(app);
    const advice =
      'write a doc comment (/** … */) on each public export listed, or mark it @internal if ' +
      'it is not API, and fix the comments TypeDoc reported';
    if (problems && check) return fail(advice);
    await app.generateOutputs(project);
    if (problems) return fail(`wrote docs/api/ anyway; ${advice}`);
    if (check) {
      const stale = differences(apiDir, out);
      if (stale.length) {
        console.error('\nDiffers from docs/api/:');
        for (const name of stale) console.error(`  docs/api/${name}`);
        return fail('the reference is stale, run pnpm run docs:api');
      }
    }
    const took = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      check
        ? `docs/api/ is up to date and every public export is documented (${took} s)`
        : `wrote docs/api/ for ${entries.length} entry points (${took} s)`,
    );
  } finally {
    if (check) rmSync(out, { recursive: true, force: true });
  }
}

/** Whether TypeDoc logged an error or a warning (a broken link, an unknown tag …). */
function reported(app) {
  return app.logger.hasErrors() || app.logger.hasWarnings();
}

function fail(message) {
  console.error(`\napi-docs: ${message}`);
  process.exitCode = 1;
}

await main();
