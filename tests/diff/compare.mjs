// compare.mjs - compares diff_runnel's and diff_v8.mjs's outputs (tests/diff, see run.sh).
//
//   node compare.mjs RUNNEL.txt V8.txt [--quiet]
//
// Both files hold, per module, a header (how it compiled and instantiated, which exports were skipped)
// and one block per call (call line, logs, result, memory, globals). Each module's header and each
// block must be equal on both sides, with two allowances:
// - a call that exhausted the call stack or runnel's fuel on either side ("result exhausted") is not
//   compared but counted: the depth at which an engine gives up is its own choice;
// - NaN payloads may differ (the spec lets an operation on a NaN give any arithmetic NaN; V8 often
//   gives the canonical one where runnel passes the input's payload on): a v128 agrees when, read as
//   four f32 or as two f64, every lane is equal on both sides or a NaN on both; a memory agrees when
//   every byte that differs lies in an f32 or f64 that is a NaN on both sides.
// Scalar NaNs are already printed as "nan" by both sides. Prints every disagreement (module, call,
// both blocks), then the counts; exits 1 if there was a disagreement.
import fs from 'node:fs';

function parse(file) {
  const modules = new Map();
  let mod = null, block = null;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    if (line.startsWith('module ')) {
      mod = { header: [], blocks: new Map() };
      modules.set(line.slice(7), mod);
      block = null;
    } else if (line.startsWith('call ')) {
      block = [line];
      mod.blocks.set(line.split(' ').slice(0, 3).join(' '), block);
    } else if (block && !line.startsWith('skip ')) {
      block.push(line);
    } else {
      mod.header.push(line);
      block = null;
    }
  }
  return modules;
}

const nan32 = (h) => { const b = parseInt(h, 16); return (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0; };
const nan64 = (h) => { const b = BigInt(`0x${h}`); return (b & 0x7ff0000000000000n) === 0x7ff0000000000000n && (b & 0xfffffffffffffn) !== 0n; };

function lanesAgree(a, b, width, isNan) {
  for (let i = 0; i < 32; i += width) {
    const x = a.slice(i, i + width), y = b.slice(i, i + width);
    if (x !== y && !(isNan(x) && isNan(y))) return false;
  }
  return true;
}

// Equal, or equal but for v128 values whose lanes agree up to NaN payloads.
function sameLine(a, b) {
  if (a === b) return 'same';
  const ta = a.split(' '), tb = b.split(' ');
  if (ta.length !== tb.length) return false;
  for (let i = 0; i < ta.length; i++) {
    if (ta[i] === tb[i]) continue;
    if (!ta[i].startsWith('v128:') || !tb[i].startsWith('v128:')) return false;
    const x = ta[i].slice(5), y = tb[i].slice(5);
    if (!lanesAgree(x, y, 8, nan32) && !lanesAgree(x, y, 16, nan64)) return false;
  }
  return 'nan';
}

// A block's lines apart from its memory rows, and each memory's rows (offset -> 32 hex digits).
function splitBlock(lines) {
  const other = [], mems = new Map();
  let rows = null;
  for (const l of lines) {
    if (l.startsWith('mem ')) {
      const [, off, bytes] = l.split(' ');
      rows.set(parseInt(off, 16), bytes);
      continue;
    }
    other.push(l);
    if (l.startsWith('memory ')) mems.set(l.split(' ')[1], (rows = new Map()));
  }
  return { other, mems };
}

const byteAt = (rows, a) => { const r = rows.get(a - (a % 16)); return r ? r.slice((a % 16) * 2, (a % 16) * 2 + 2) : '00'; };
// The little-endian value of n bytes at address a, as hex (most significant first).
const valueAt = (rows, a, n) => { let h = ''; for (let i = n - 1; i >= 0; i--) h += byteAt(rows, a + i); return h; };

// The addresses where two memories differ.
function differingBytes(x, y) {
  const out = [];
  for (const off of new Set([...x.keys(), ...y.keys()])) {
    const p = x.get(off) || '0'.repeat(32), q = y.get(off) || '0'.repeat(32);
    if (p === q) continue;
    for (let i = 0; i < 16; i++) if (p.slice(2 * i, 2 * i + 2) !== q.slice(2 * i, 2 * i + 2)) out.push(off + i);
  }
  return out;
}

// Memories agree up to NaN payloads when every differing byte lies in 4 bytes that hold an f32 NaN on
// both sides, or in 8 bytes that hold an f64 NaN on both sides (a NaN stored by f32.store/f64.store).
function sameMemory(x, y) {
  const diff = differingBytes(x, y);
  if (!diff.length) return 'same';
  const inNan = (a, n, isNan) => {
    for (let w = Math.max(0, a - n + 1); w <= a; w++)
      if (isNan(valueAt(x, w, n)) && isNan(valueAt(y, w, n))) return true;
    return false;
  };
  return diff.every((a) => inNan(a, 4, nan32) || inNan(a, 8, nan64)) ? 'nan' : false;
}

function sameBlock(a, b) {
  if (!a || !b) return false;
  const x = splitBlock(a), y = splitBlock(b);
  if (x.other.length !== y.other.length) return false;
  let how = 'same';
  for (let i = 0; i < x.other.length; i++) {
    const s = sameLine(x.other[i], y.other[i]);
    if (!s) return false;
    if (s === 'nan') how = 'nan';
  }
  for (const [name, rows] of x.mems) {
    const s = sameMemory(rows, y.mems.get(name) || new Map());
    if (!s) return false;
    if (s === 'nan') how = 'nan';
  }
  return how;
}

// For a report: the block without the memory rows both sides share.
function showable(block, other) {
  if (!block || !other) return block;
  const theirs = new Set(other);
  return block.filter((l) => !l.startsWith('mem ') || !theirs.has(l));
}

const [fileA, fileB, flag] = process.argv.slice(2);
if (!fileA || !fileB) {
  process.stderr.write('usage: node compare.mjs RUNNEL.txt V8.txt [--quiet]\n');
  process.exit(2);
}
const A = parse(fileA), B = parse(fileB);
const n = { modules: 0, compiled: 0, unsupported: 0, exports: 0, skippedExports: 0, calls: 0, exhausted: 0,
  nanValues: 0, traps: 0, logs: 0, disagreements: 0 };
const show = (lines) => (lines ? lines.map((l) => `    ${l}`).join('\n') : '    (nothing)');
function disagree(name, what, a, b) {
  n.disagreements++;
  if (n.disagreements <= 50 || flag !== '--quiet')
    process.stdout.write(`DISAGREEMENT in ${name}: ${what}\n  runnel:\n${show(a)}\n  v8:\n${show(b)}\n`);
}

for (const name of new Set([...A.keys(), ...B.keys()])) {
  n.modules++;
  const a = A.get(name), b = B.get(name);
  if (!a || !b) { disagree(name, 'module missing on one side', a && a.header, b && b.header); continue; }
  if (a.header.join('\n') !== b.header.join('\n')) disagree(name, 'compile, link or exports', a.header, b.header);
  if (a.header.some((l) => l.startsWith('unsupported'))) n.unsupported++;
  if (a.header.includes('instantiate ok')) n.compiled++;
  n.skippedExports += a.header.filter((l) => l.startsWith('skip ')).length;
  const exported = new Set();
  for (const key of new Set([...a.blocks.keys(), ...b.blocks.keys()])) {
    const x = a.blocks.get(key), y = b.blocks.get(key);
    exported.add(key.split(' ')[1]);
    if (x && y && (x.some((l) => l.startsWith('result exhausted')) || y.some((l) => l.startsWith('result exhausted')))) {
      n.exhausted++;
      continue;
    }
    n.calls++;
    const how = sameBlock(x, y);
    if (!how) { disagree(name, key, showable(x, y), showable(y, x)); continue; }
    if (how === 'nan') n.nanValues++;
    if (x.some((l) => l.startsWith('result trap'))) n.traps++;
    n.logs += x.filter((l) => l.startsWith('log ')).length;
  }
  n.exports += exported.size;
}

process.stdout.write(`modules ${n.modules} (instantiated ${n.compiled}, unsupported imports ${n.unsupported}), ` +
  `exports called ${n.exports} (skipped ${n.skippedExports}: v128 or reference in the signature), ` +
  `calls compared ${n.calls} (of which traps ${n.traps}, NaN payloads apart ${n.nanValues}; ${n.logs} logged values), ` +
  `calls not compared ${n.exhausted} (stack or fuel exhausted), disagreements ${n.disagreements}\n`);
process.exit(n.disagreements ? 1 : 0);
