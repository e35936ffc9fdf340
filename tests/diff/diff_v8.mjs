// diff_v8.mjs - V8's side of the differential test (tests/diff, see run.sh): the same calls as
// diff_runnel.c, printed in the same canonical text (its header comment describes the lines).
//
//   node diff_v8.mjs [--arg-sets N] MODULE.wasm...
//
// Three things JavaScript does not give directly, done here by hand:
// - the signatures of the exports (to pick the arguments): read from the binary's type, import,
//   function, global and export sections (readSignatures), as the JS API reflects no types by default;
// - the exact bits of floats: through a DataView; a NaN is printed as "nan" (its payload is lost in a
//   JS number, and the spec leaves it open anyway);
// - log-v128: a JS function cannot take a v128, so the import is a small wasm module (V128_LOGGER)
//   that splits the vector into two i64 halves and passes them to JS.
import fs from 'node:fs';
import path from 'node:path';

const MASK = (1n << 64n) - 1n;
const TYPES = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
const NUMERIC = new Set(['i32', 'i64', 'f32', 'f64']);
const MAX_VALUES = 64; // as diff_runnel.c: more parameters or results are not called

// ------------------------------------------------------------------ the binary's signatures

function reader(bytes) {
  let pos = 0;
  const r = {
    get pos() { return pos; },
    set pos(p) { pos = p; },
    byte() { if (pos >= bytes.length) throw new Error('truncated'); return bytes[pos++]; },
    u32() {
      let result = 0, shift = 0, b;
      do { b = r.byte(); result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      return result;
    },
    skipLeb() { while (r.byte() & 0x80); },
    name() { const n = r.u32(); const s = Buffer.from(bytes.subarray(pos, pos + n)).toString('utf8'); pos += n; return s; },
    limits() { const flag = r.byte(); r.u32(); if (flag & 1) r.u32(); },
    constExpr() { // a constant expression of Wasm 2.0, up to its end
      for (;;) {
        const op = r.byte();
        if (op === 0x0b) return;
        if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) r.skipLeb();
        else if (op === 0x43) pos += 4;
        else if (op === 0x44) pos += 8;
        else if (op === 0xd0) r.byte();
        else if (op === 0xfd) { r.u32(); pos += 16; } // v128.const
        else throw new Error(`constant expression op 0x${op.toString(16)}`);
      }
    },
  };
  return r;
}

// Map export name -> {kind, params, results} for functions, {kind, type} for globals.
function readSignatures(bytes) {
  const r = reader(bytes);
  r.pos = 8;
  const types = [], funcs = [], globals = [], exports = new Map();
  while (r.pos < bytes.length) {
    const id = r.byte(), size = r.u32(), end = r.pos + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        r.byte(); // 0x60
        const params = []; for (let k = r.u32(); k > 0; k--) params.push(TYPES[r.byte()]);
        const results = []; for (let k = r.u32(); k > 0; k--) results.push(TYPES[r.byte()]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        r.name(); r.name();
        const kind = r.byte();
        if (kind === 0) funcs.push(types[r.u32()]);
        else if (kind === 1) { r.byte(); r.limits(); }
        else if (kind === 2) r.limits();
        else { globals.push(TYPES[r.byte()]); r.byte(); }
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) funcs.push(types[r.u32()]);
    } else if (id === 6) {
      for (let n = r.u32(); n > 0; n--) { globals.push(TYPES[r.byte()]); r.byte(); r.constExpr(); }
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name(), kind = r.byte(), index = r.u32();
        if (kind === 0) exports.set(name, { kind: 'function', ...funcs[index] });
        else if (kind === 3) exports.set(name, { kind: 'global', type: globals[index] });
      }
    }
    r.pos = end;
  }
  return exports;
}

// ------------------------------------------------------------------ values

const dv = new DataView(new ArrayBuffer(8));
const hex = (v, width) => BigInt.asUintN(width * 4, BigInt(v)).toString(16).padStart(width, '0');

function show(type, v) {
  switch (type) {
    case 'i32': return `i32:${hex(v, 8)}`;
    case 'i64': return `i64:${hex(v, 16)}`;
    case 'f32': if (Number.isNaN(v)) return 'f32:nan'; dv.setFloat32(0, v, true); return `f32:${hex(dv.getUint32(0, true), 8)}`;
    case 'f64': if (Number.isNaN(v)) return 'f64:nan'; dv.setFloat64(0, v, true); return `f64:${hex(dv.getBigUint64(0, true), 16)}`;
    default: return 'ref';
  }
}

// The JS value for the bits of a wasm value.
function fromBits(type, bits) {
  switch (type) {
    case 'i32': return Number(BigInt.asIntN(32, bits));
    case 'i64': return BigInt.asIntN(64, bits);
    case 'f32': dv.setUint32(0, Number(bits), true); return dv.getFloat32(0, true);
    default: dv.setBigUint64(0, bits, true); return dv.getFloat64(0, true);
  }
}

// diff_runnel.c's argset(), step for step (splitmix64, the same tables, NaNs made canonical).
const I32S = [0n, 1n, 0xffffffffn, 0x80000000n, 0x7fffffffn, 0xfffcn, 0x10000n, 0xffff0000n, 7n];
const I64S = [0n, 1n, MASK, 0x8000000000000000n, 0x7fffffffffffffffn, 0xffffffffn, 0x100000000n, 63n, 64n];
const F32S = [0n, 0x80000000n, 0x3f800000n, 0xbf800000n, 0x7fc00000n, 0x7f800000n, 0xff800000n, 1n, 0x7f7fffffn,
  0x4f000000n, 0xcf000000n, 0x3f000000n];
const F64S = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff8000000000000n,
  0x7ff0000000000000n, 0xfff0000000000000n, 1n, 0x7fefffffffffffffn, 0x41e0000000000000n, 0xc3e0000000000000n,
  0x3fe0000000000000n];
const isNan32 = (b) => (b & 0x7f800000n) === 0x7f800000n && (b & 0x7fffffn) !== 0n;
const isNan64 = (b) => (b & 0x7ff0000000000000n) === 0x7ff0000000000000n && (b & 0xfffffffffffffn) !== 0n;

function argset(k, params) {
  let st = 0x5eedn + BigInt(k) * 1000n;
  const next = () => {
    st = (st + 0x9e3779b97f4a7c15n) & MASK;
    let z = st;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  };
  return params.map((t) => {
    const r = next(), bits = next(), pick = next();
    const edge = (r & 1n) !== 0n, small = (r & 2n) !== 0n;
    let b;
    if (t === 'i32') b = edge ? I32S[Number(pick % 9n)] : small ? bits % 1024n : bits & 0xffffffffn;
    else if (t === 'i64') b = edge ? I64S[Number(pick % 9n)] : small ? bits % 1024n : bits;
    else if (t === 'f32') { b = edge ? F32S[Number(pick % 12n)] : bits & 0xffffffffn; if (isNan32(b)) b = 0x7fc00000n; }
    else { b = edge ? F64S[Number(pick % 12n)] : bits; if (isNan64(b)) b = 0x7ff8000000000000n; }
    return fromBits(t, b);
  });
}

// ------------------------------------------------------------------ traps

// V8's RuntimeError messages, by the trap kinds diff_runnel.c prints (its trap_name says how fine).
const TRAPS = [
  [/^unreachable/, 'unreachable'],
  [/memory access out of bounds|data segment/, 'memory_oob'],
  [/table index is out of bounds|element segment|invalid index into function table/, 'table_oob'],
  [/null function or function signature mismatch/, 'indirect_call'],
  [/divide by zero|remainder by zero/, 'div_zero'],
  [/divide result unrepresentable/, 'int_overflow'],
  [/float unrepresentable in integer range/, 'float_to_int'],
];

function outcome(e) {
  if (e instanceof RangeError && /call stack/.test(e.message)) return 'exhausted stack';
  if (e instanceof WebAssembly.RuntimeError) {
    for (const [re, kind] of TRAPS) if (re.test(e.message)) return `trap ${kind}`;
    return `trap unknown(${e.message})`;
  }
  return `error ${e.constructor.name}: ${e.message}`;
}

// ------------------------------------------------------------------ running a module

// (module (import "js" "log" (func (param i64 i64)))
//         (func (export "log-v128") (param v128) (call 0 (i64x2.extract_lane 0 (local.get 0))
//                                                        (i64x2.extract_lane 1 (local.get 0)))))
const V128_LOGGER = new WebAssembly.Module(new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x0a, 0x02, 0x60, 0x02, 0x7e, 0x7e, 0x00, 0x60, 0x01, 0x7b, 0x00,
  0x02, 0x0a, 0x01, 0x02, 0x6a, 0x73, 0x03, 0x6c, 0x6f, 0x67, 0x00, 0x00,
  0x03, 0x02, 0x01, 0x01,
  0x07, 0x0c, 0x01, 0x08, 0x6c, 0x6f, 0x67, 0x2d, 0x76, 0x31, 0x32, 0x38, 0x00, 0x01,
  0x0a, 0x10, 0x01, 0x0e, 0x00, 0x20, 0x00, 0xfd, 0x1d, 0x00, 0x20, 0x00, 0xfd, 0x1d, 0x01, 0x10, 0x00, 0x0b,
]));

function imports(out) {
  const log = (type) => (v) => { out.push(`log ${show(type, v)}`); };
  const v128 = new WebAssembly.Instance(V128_LOGGER, {
    js: { log: (lo, hi) => { out.push(`log v128:${hex(hi, 16)}${hex(lo, 16)}`); } },
  });
  return {
    'fuzzing-support': {
      'log-i32': log('i32'), 'log-i64': log('i64'), 'log-f32': log('f32'), 'log-f64': log('f64'),
      'log-v128': v128.exports['log-v128'],
    },
  };
}
const LOGS = new Set(['log-i32', 'log-i64', 'log-f32', 'log-f64', 'log-v128']);

// A memory as its non-zero 16-byte rows, as diff_runnel prints it.
function printMemory(name, mem, out) {
  out.push(`memory ${name} ${mem.buffer.byteLength / 65536}`);
  const b = new Uint8Array(mem.buffer), w = new Uint32Array(mem.buffer);
  for (let i = 0; i < w.length; i += 4) {
    if ((w[i] | w[i + 1] | w[i + 2] | w[i + 3]) === 0) continue; // the usual case, made quick
    let row = '';
    for (let k = 4 * i; k < 4 * i + 16; k++) row += hex(b[k], 2);
    out.push(`mem ${hex(4 * i, 8)} ${row}`);
  }
}

function printState(mod, sigs, inst, out) {
  for (const e of WebAssembly.Module.exports(mod)) {
    const x = inst.exports[e.name];
    if (e.kind === 'memory') printMemory(e.name, x, out);
    if (e.kind === 'global' && NUMERIC.has(sigs.get(e.name).type)) out.push(`global ${e.name} ${show(sigs.get(e.name).type, x.value)}`);
  }
}

function callOne(mod, sigs, name, k, out) {
  const inst = new WebAssembly.Instance(mod, imports(out));
  const sig = sigs.get(name);
  const args = argset(k, sig.params);
  out.push(`call ${name} #${k}${args.map((a, i) => ` ${show(sig.params[i], a)}`).join('')}`);
  try {
    let res = inst.exports[name](...args);
    if (sig.results.length === 1) res = [res];
    else if (sig.results.length === 0) res = [];
    out.push(`result ok${res.map((v, i) => ` ${show(sig.results[i], v)}`).join('')}`);
  } catch (e) {
    out.push(`result ${outcome(e)}`);
  }
  printState(mod, sigs, inst, out);
}

function runModule(file, argSets) {
  const out = [`module ${path.basename(file)}`];
  const bytes = fs.readFileSync(file);
  let mod;
  try {
    mod = new WebAssembly.Module(bytes);
  } catch (e) {
    out.push('compile error');
    process.stderr.write(`diff_v8: ${file}: ${e.message}\n`);
    return out;
  }
  const bad = WebAssembly.Module.imports(mod).find((i) => i.module !== 'fuzzing-support' || i.kind !== 'function' || !LOGS.has(i.name));
  if (bad) {
    out.push(`unsupported import ${bad.module}.${bad.name}`);
    return out;
  }
  const sigs = readSignatures(bytes);
  try {
    new WebAssembly.Instance(mod, imports([]));
  } catch (e) {
    out.push(`instantiate ${outcome(e)}`);
    return out;
  }
  out.push('instantiate ok');
  for (const e of WebAssembly.Module.exports(mod)) {
    if (e.kind !== 'function') continue;
    const sig = sigs.get(e.name);
    const ok = (ts) => ts.length <= MAX_VALUES && ts.every((t) => NUMERIC.has(t));
    if (!ok(sig.params) || !ok(sig.results)) {
      out.push(`skip ${e.name}`);
      continue;
    }
    for (let k = 0; k < argSets; k++) callOne(mod, sigs, e.name, k, out);
  }
  return out;
}

let argSets = 3;
const files = process.argv.slice(2);
if (files[0] === '--arg-sets') { argSets = Number(files[1]); files.splice(0, 2); }
if (!files.length || !(argSets >= 1 && argSets <= 100)) {
  process.stderr.write('usage: node diff_v8.mjs [--arg-sets N (1..100)] MODULE.wasm...\n');
  process.exit(2);
}
for (const f of files) process.stdout.write(`${runModule(f, argSets).join('\n')}\n`);
