// Writes a brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside each bundle and asset
// file over 1 KB, which the server sends as they are to browsers that accept them (tower-http's
// ServeDir, precompressed): compressed once at the highest levels instead of at each request.
// A copy is rewritten only when its file is newer, so that a second build takes no time.
// Usage: node scripts/precompress.mjs <dir>...
import { readdirSync, readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';

for (const dir of process.argv.slice(2)) {
  for (const name of readdirSync(dir)) {
    if (!/\.(wasm|js|css|svg)$/.test(name)) continue;
    const file = join(dir, name);
    const { size, mtimeMs } = statSync(file);
    if (size < 1024) continue;
    const fresh = (copy) => existsSync(copy) && statSync(copy).mtimeMs >= mtimeMs;
    if (fresh(`${file}.br`) && fresh(`${file}.gz`)) continue;
    const data = readFileSync(file);
    const params = { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size };
    writeFileSync(`${file}.br`, zlib.brotliCompressSync(data, { params }));
    writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
  }
}
