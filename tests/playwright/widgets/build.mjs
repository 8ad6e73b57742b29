// Bundles each widget page from src/ into ../pages/widgets/ (minified ES modules sharing chunks),
// and writes the page that loads it. Run `npm ci && npm run build`; commit the output so the
// tests need no npm.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'pages', 'widgets');
const PAGES = ['mui_tel', 'mui_otp', 'mui_autocomplete', 'antd_phone', 'antd_otp', 'rpni', 'rpi2', 'react_select', 'headless_listbox', 'iti', 'vue_tel', 'shadow'];
const entry = (name) => ['.jsx', '.js'].map((ext) => join(here, 'src', name + ext)).find(existsSync);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: Object.fromEntries(PAGES.map((name) => [name, entry(name)])),
  outdir: out,
  bundle: true,
  minify: true,
  splitting: true,
  format: 'esm',
  target: 'chrome110',
  jsx: 'automatic',
  chunkNames: 'chunk-[hash]',
  assetNames: 'asset-[hash]',
  loader: { '.png': 'file', '.webp': 'file', '.svg': 'dataurl' },
  legalComments: 'none',
  define: {
    'process.env.NODE_ENV': '"production"',
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
});
const css = new Set(readdirSync(out).filter((f) => extname(f) === '.css').map((f) => basename(f, '.css')));
for (const name of PAGES) {
  const style = css.has(name) ? `<link rel="stylesheet" href="${name}.css">\n` : '';
  writeFileSync(join(out, `${name}.html`), `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign up</title>
${style}<style>body{font-family:sans-serif;margin:24px}form{display:flex;flex-wrap:wrap;gap:8px;align-items:center}</style>
</head>
<body>
<div id="app"></div>
<pre id="result"></pre>
<script type="module" src="${name}.js"></script>
</body>
</html>
`);
}
