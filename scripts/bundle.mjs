// Builds what ships: dist/virtsnap/bin.js, the executable (a small CommonJS file that starts
// virsh), and main.mjs, one ESM file with virtsnap and its dependencies, plus the chunks that
// only the interactive UI loads (Ink, React, yoga's WebAssembly).
// Node resolving and loading ~250 small modules cost more than running them, so a subcommand
// starts in about a third of the time; `tsc` still type-checks and emits dist/ for the
// benchmarks, and tests run this bundle whenever they run the CLI as a process.

import { build } from 'esbuild';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}dist/virtsnap`;
// Built beside the old bundle and swapped in, so a CLI or TUI started meanwhile (another build,
// a test run) never finds it half written or missing.
const outdir = `${target}.new-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });

// The program: ES modules, the interactive UI in chunks of its own. `.mjs`, as the folder is
// CommonJS for the executable's sake.
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // The dynamic import of components/run-tui.tsx becomes its own chunk: subcommands never load it.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // React's production build: the development one checks and warns on every render.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink loads its devtools only when DEV=true; the package is not a dependency.
  external: ['react-devtools-core'],
  // CommonJS dependencies (react, commander, cross-spawn…) call require() for Node's own modules.
  banner: { js: "import { createRequire as __vsCreateRequire } from 'node:module';\nconst require = __vsCreateRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});

// The executable: a few lines that start virsh, then load the program. CommonJS, because Node
// begins running a CommonJS file about 10 ms sooner than an ES module and its imports.
await build({
  absWorkingDir: root,
  entryPoints: { bin: 'src/bin.ts' },
  outdir,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  banner: { js: "const __vsImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__vsImportMetaUrl' },
  plugins: [
    {
      name: 'program-apart',
      setup(plugin) {
        // The program stays its own ES module bundle, loaded with import().
        plugin.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: './main.mjs', external: true }));
      },
    },
  ],
  legalComments: 'none',
  sourcemap: 'linked',
  logLevel: 'warning',
});
writeFileSync(`${outdir}/package.json`, `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

const old = `${target}.old-${process.pid}`;
try {
  renameSync(target, old);
} catch {
  // first build
}
renameSync(outdir, target);
rmSync(old, { recursive: true, force: true });

if (process.argv.includes('--analyze')) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
