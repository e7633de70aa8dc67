// Bundles the designer (src/index.js and the bpmn.io packages it imports) into one ES module
// and one style sheet, with the diagram font beside them:
//   node build.mjs <out-dir> [--release]
// scripts/site.sh runs it into target/site/pkg/designer; the release build is minified.
import { build } from 'esbuild';

const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs <out-dir> [--release]');
  process.exit(2);
}
const release = process.argv.includes('--release');
await build({
  entryPoints: { designer: 'src/index.js' },
  bundle: true,
  format: 'esm',
  target: 'es2020',
  outdir: out,
  minify: release,
  sourcemap: false,
  legalComments: release ? 'eof' : 'inline',
  // The fonts the style sheets name, as files (the page's policy allows fonts from 'self').
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: '[name]',
  define: { 'process.env.NODE_ENV': release ? '"production"' : '"development"' },
  logLevel: 'warning',
});
