// Runs binaryen's `wasm-opt` from npm on many files in place, in one Node.js process.
//
//   node scripts/wasm-opt-batch.mjs JOBS [wasm-opt options…] -- file.wasm…
//
// The npm `wasm-opt` is an Emscripten program: an 11 MB script with the optimiser's WebAssembly
// inside, ~0.4 s to start before it reads a file. Here the script is compiled once and each file
// runs it in a fresh context with a fresh instance of the same compiled module — fresh memory, the
// same program, the same arguments — so every output is byte for byte what
// `wasm-opt OPTIONS FILE -o FILE` writes (checked on the whole bundle), with the start paid once
// a worker. On the bundle at -O1: 60 s of wall time against 166 s for one process per file, two
// at a time. JOBS worker threads take the files in the order given (largest first balances them
// best), each with its own compiled copy.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const here = path.dirname(fileURLToPath(import.meta.url));
const program = path.join(here, "..", "tools", "node_modules", "binaryen", "bin", "wasm-opt");

if (isMainThread) {
  const [jobs, ...argv] = process.argv.slice(2);
  const split = argv.indexOf("--");
  if (!(Number(jobs) >= 1) || split < 0) {
    console.error("usage: wasm-opt-batch.mjs JOBS [wasm-opt options…] -- file.wasm…");
    process.exit(2);
  }
  const options = argv.slice(0, split);
  const queue = argv.slice(split + 1);
  for (let i = 0; i < Math.min(Number(jobs), queue.length); i++) {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { options } });
    worker.on("message", (message) => {
      if (message.failed) {
        console.error(message.failed);
        process.exitCode = 1;
        queue.length = 0;
      }
      worker.postMessage(queue.shift() ?? null);
    });
    worker.on("error", (error) => {
      console.error(error);
      process.exitCode = 1;
      queue.length = 0;
    });
  }
} else {
  parentPort.on("message", (file) => {
    if (file === null) return parentPort.close();
    optimise(file).then(
      () => parentPort.postMessage({}),
      (error) => parentPort.postMessage({ failed: error.message }),
    );
  });
  parentPort.postMessage({});
}

// The program writes its messages to fds 1 and 2 piece by piece; two workers' pieces would mix,
// so they are written here a whole line at a time — except the warning it gives once per chunk
// about a name subsection it does not know (harmless).
const pending = { 1: "", 2: "" };
const programFs = {
  ...fs,
  writeSync(fd, buffer, offset = 0, length = buffer.length - offset, position = null) {
    if (fd !== 1 && fd !== 2) return fs.writeSync(fd, buffer, offset, length, position);
    pending[fd] += Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString();
    let end;
    while ((end = pending[fd].indexOf("\n")) >= 0) {
      const line = pending[fd].slice(0, end + 1);
      pending[fd] = pending[fd].slice(end + 1);
      if (!line.includes("unknown name subsection")) fs.writeSync(fd, line);
    }
    return length;
  },
};
const requireHere = createRequire(program);

// Compiled on a worker's first file: the program's script, then its WebAssembly.
let script;
let compiled;

function optimise(file) {
  const args = [...workerData.options, file, "-o", file];
  script ??= new vm.Script(fs.readFileSync(program, "utf8"), { filename: program });
  return new Promise((resolve, reject) => {
    // What the program reads of `process`; its exit code is kept here, not set on ours.
    const proc = {
      versions: process.versions,
      platform: process.platform,
      env: process.env,
      argv: [process.argv[0], program, ...args],
      stdin: process.stdin,
      cwd: () => process.cwd(),
      chdir: (dir) => process.chdir(dir),
      binding: (name) => process.binding(name),
      exitCode: undefined,
    };
    const context = vm.createContext({
      process: proc,
      require: (name) => (name === "node:fs" ? programFs : requireHere(name)),
      __filename: program,
      __dirname: path.dirname(program),
      Buffer,
      console,
      setTimeout,
      clearTimeout,
      TextDecoder,
      TextEncoder,
      URL,
      performance,
    });
    context.Module = {
      arguments: args,
      instantiateWasm(imports, done) {
        compiled ??= new WebAssembly.Module(context.findWasmBinary());
        done(new WebAssembly.Instance(compiled, imports));
        return {};
      },
      onAbort: (what) => reject(new Error(`wasm-opt aborted on ${file}: ${what}`)),
      onExit: (code) => finish(code),
      postRun: [() => finish(context.EXITSTATUS ?? 0)],
    };
    let done = false;
    function finish(code) {
      if (done) return;
      done = true;
      if (code) reject(new Error(`wasm-opt failed on ${file} (exit code ${code})`));
      else resolve();
    }
    script.runInContext(context);
  });
}
