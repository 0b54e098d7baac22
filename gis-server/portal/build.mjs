// Bundles the map page into the gis-server's wwwroot/portal (run by ./lp before the dotnet build).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'Landplatform.GisServer', 'wwwroot', 'portal');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, 'src', 'main.js')],
  bundle: true,
  minify: true,
  sourcemap: false, // no public source map: the bundle is served as built, without its sources
  format: 'esm',
  target: 'es2022',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
cpSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
cpSync(join(here, 'src', 'style.css'), join(out, 'style.css'));
cpSync(join(here, 'src', 'favicon.svg'), join(out, 'favicon.svg'));
cpSync(join(here, 'node_modules', 'ol', 'ol.css'), join(out, 'ol.css'));
console.log(`portal built into ${out}`);
