// gen.mjs - the random inputs that wasm-opt -ttf turns into modules (tests/diff, see run.sh).
//
//   node gen.mjs SEED FIRST COUNT DIR      writes DIR/SEED-I.bin for I in FIRST .. FIRST+COUNT-1
//
// Input I of seed S depends on S and I only (splitmix64 seeded with both), so one module of a long run
// can be made again alone: run.sh --seed S --first I --modules 1.
import fs from 'node:fs';

const MASK = (1n << 64n) - 1n;
const [seedText, firstText, countText, dir] = process.argv.slice(2);
if (!/^\d+$/.test(seedText || '') || !/^\d+$/.test(firstText || '') || !/^\d+$/.test(countText || '') || !dir) {
  process.stderr.write('usage: node gen.mjs SEED FIRST COUNT DIR\n');
  process.exit(2);
}
const seed = BigInt(seedText), first = Number(firstText), count = Number(countText);
for (let i = first; i < first + count; i++) {
  let st = (seed * 0x100000001b3n + BigInt(i) * 0x9e3779b97f4a7c15n) & MASK;
  const next = () => {
    st = (st + 0x9e3779b97f4a7c15n) & MASK;
    let z = st;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  };
  const size = 1024 + Number(next() % 15360n); // 1 to 16 KiB: small and large modules
  const buf = Buffer.alloc(size + 8);
  for (let k = 0; k < size; k += 8) buf.writeBigUInt64LE(next(), k);
  fs.writeFileSync(`${dir}/${seedText}-${i}.bin`, buf.subarray(0, size));
}
