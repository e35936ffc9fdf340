// bench/node_run.mjs - the Node.js column of bench/run.sh: load a workload module, call its run() export
// and print the i32 it returns, as `runnel run --invoke run` and the native build do (one signed decimal
// number on a line), so bench/run.sh can time it the same way and compare the checksums.
//
// Why Node: its WebAssembly is V8's (the Liftoff baseline compiler, then TurboFan for hot functions), a
// production JIT, so it is the reference point for what compiling to machine code buys. Everything is in
// the timed process, as for the other engines: Node's start-up, compiling the module, instantiating it
// and the call. Node's start-up alone is some 0.04-0.1 s, so the script prints, on stderr, the times
// measured inside the process too: "v8_compile S" (WebAssembly.instantiate: compiling and instantiating)
// and "v8_run S" (the call of run()), which bench/run.sh reads for its "v8" column.
//
// usage: node bench/node_run.mjs MODULE.wasm
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node node_run.mjs MODULE.wasm');
  process.exit(2);
}
const bytes = readFileSync(file);
const t0 = process.hrtime.bigint();
// The workloads import nothing (they are built with -nostdlib and export run and memory).
const { instance } = await WebAssembly.instantiate(bytes, {});
if (typeof instance.exports.run !== 'function') {
  console.error(`${file}: no exported function "run"`);
  process.exit(1);
}
const t1 = process.hrtime.bigint();
// A trap throws a WebAssembly.RuntimeError: uncaught, it exits non-zero, which run.sh reports as "fail".
const result = instance.exports.run();
const t2 = process.hrtime.bigint();
console.log(String(result));
console.error(`v8_compile ${(Number(t1 - t0) / 1e9).toFixed(4)}`);
console.error(`v8_run ${(Number(t2 - t1) / 1e9).toFixed(4)}`);
