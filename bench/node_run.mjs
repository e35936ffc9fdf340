// bench/node_run.mjs - the Node.js column of bench/run.sh: load a workload module, call its run() export
// and print the i32 it returns, as `runnel run --invoke run` and the native build do (one signed decimal
// number on a line), so bench/run.sh can time it the same way and compare the checksums.
//
// Why Node: its WebAssembly is V8's (the Liftoff baseline compiler, then TurboFan for hot functions), a
// production JIT, so it is the reference point for what compiling to machine code buys over runnel's
// interpreter. Everything is in the timed process, as for the other engines: Node's start-up, compiling
// the module, instantiating it and the call.
//
// usage: node bench/node_run.mjs MODULE.wasm
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node node_run.mjs MODULE.wasm');
  process.exit(2);
}
// The workloads import nothing (they are built with -nostdlib and export run and memory).
const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
if (typeof instance.exports.run !== 'function') {
  console.error(`${file}: no exported function "run"`);
  process.exit(1);
}
// A trap throws a WebAssembly.RuntimeError: uncaught, it exits non-zero, which run.sh reports as "fail".
console.log(String(instance.exports.run()));
