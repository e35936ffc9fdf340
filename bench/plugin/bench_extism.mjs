// bench_extism.mjs - the same figures as bench_plugin.c, on Extism's JS SDK (@extism/extism) on Node.js.
//
// Extism's JS SDK is a real Extism host (its kernel is native JS, the wasm runs on V8's compilers), so
// it is the reference point bench/plugin/run.sh prints next to runnel. The figures and their method
// match bench_plugin.c: creating a plugin from code.wasm's bytes (compile + instantiate; the SDK has no
// separate compile step in its API, so "instantiate" here is a second plugin from the same bytes, which
// V8 may serve from its code cache), and calls per second of count_vowels with a short input and with
// 1 MiB, best of 5 rounds.
//
// usage: node bench_extism.mjs CODE.wasm [SECONDS_PER_FIGURE]   (with @extism/extism installed)
import { readFileSync } from 'node:fs';
import createPlugin from '@extism/extism';

const [file, secsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench_extism.mjs CODE.wasm [SECONDS_PER_FIGURE]');
  process.exit(2);
}
const secs = secsArg ? Number(secsArg) : 3;
const wasm = readFileSync(file);
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function make() {
  return createPlugin({ wasm: [{ data: new Uint8Array(wasm) }] }, { useWasi: false });
}

async function call(p, input) {
  const out = await p.call('count_vowels', input);
  if (!out) throw new Error('count_vowels: no output');
  return out;
}

// The SDK numbers Extism memory blocks without re-using numbers across calls and fails after some
// 10 000 calls on one plugin ("cannot assign to this block"), so each round uses a fresh plugin (made
// and warmed up outside the timing) and at most 4000 calls; bench_plugin.c does the same.
async function rate(input) {
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const p = await make();
    await call(p, input);
    let calls = 0;
    const t0 = now();
    let t;
    do {
      for (let i = 0; i < 16; i++) await call(p, input);
      calls += 16;
      t = now() - t0;
    } while (t < secs / 5 && calls < 4000);
    best = Math.max(best, calls / t);
    await p.close();
  }
  return best;
}

let create = Infinity;
for (let i = 0; i < 5; i++) {
  const t0 = now();
  const p = await make();
  await call(p, 'a');
  create = Math.min(create, now() - t0);
  await p.close();
}
const p = await make();
const short = 'this is a test';
const check = (await call(p, short)).text();
if (!check.startsWith('{"count":4')) throw new Error(`unexpected output ${check}`);
await p.close();
const shortRate = await rate(short);
const big = Buffer.alloc(1 << 20);
for (let i = 0; i < big.length; i++) big[i] = 'this is a test '.charCodeAt(i % 15);
const bigRate = await rate(big);

console.log(`create_ms ${(create * 1e3).toFixed(2)} ms`);
console.log(`calls_short ${shortRate.toFixed(0)} calls/s`);
console.log(`calls_1mib ${bigRate.toFixed(1)} calls/s`);
console.log(`throughput_1mib ${bigRate.toFixed(1)} MiB/s`);
