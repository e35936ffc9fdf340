/*
 * test_fusion.c - the fused ops of the compiler (fuse.c) on the patterns they were made for.
 *
 * Each fusion merges two or three wasm instructions into one op, so each must (1) actually fire on the
 * code compilers emit, or its speed-up is lost without a sound, and (2) give exactly the results and
 * traps of the instructions it replaces, including the values it leaves in locals and the byte offset
 * a trap reports. The spec suite checks (2) broadly; this file checks both, pattern by pattern, with
 * one small module.
 *
 * That a fused op was chosen is checked by looking for its opcode among the function's code words
 * (code.h). An operand word could in principle equal an opcode, which could only hide a missing
 * fusion, never fail a correct one; the slots and immediates below are small numbers, far from the
 * opcodes of the fused ops.
 *
 * The module, built with `wat2wasm --debug-names fusion.wat`:
 *
 * (module
 *   (memory 1)
 *   (data (i32.const 16) "\18\00\00\00\01\00\00\00\20\00\00\00\02\00\00\00\28\00\00\00\03\00\00\00\00\00\00\00\04\00\00\00")
 *   (data (i32.const 64) "hello\00")
 *   (data (i32.const 80) "\60\00\00\00\00\00\ff\ff")
 *   (data (i32.const 96) "\00\00\fe\ff\80\00")
 *   ;; reverse a list: the loop begins with a copy (br_if_copy); a load then a store to one address (i32_load_store)
 *   (func $reverse (export "reverse") (param $head i32) (result i32)
 *     (local $list i32) (local $next i32) (local $rev i32)
 *     local.get $head
 *     local.set $next
 *     loop
 *       local.get $next
 *       local.tee $list
 *       i32.load
 *       local.set $next
 *       local.get $list
 *       local.get $rev
 *       i32.store
 *       local.get $list
 *       local.set $rev
 *       local.get $next
 *       br_if 0
 *     end
 *     local.get $rev)
 *   ;; the keys in list order, one decimal digit each: while (p) { ...; p = p->next } (br_if_i32_load)
 *   (func $keys (export "keys") (param $p i32) (result i32)
 *     (local $s i32)
 *     block
 *       local.get $p
 *       i32.eqz
 *       br_if 0
 *       loop
 *         local.get $s
 *         i32.const 10
 *         i32.mul
 *         local.get $p
 *         i32.load offset=4
 *         i32.add
 *         local.set $s
 *         local.get $p
 *         i32.load
 *         local.tee $p
 *         br_if 0
 *       end
 *     end
 *     local.get $s)
 *   ;; while (*p) p++ with the test as br_if of i32.eqz (br_unless_i32_load8_u)
 *   (func $strlen (export "strlen") (param $s i32) (result i32)
 *     (local $p i32)
 *     local.get $s
 *     local.set $p
 *     block
 *       loop
 *         local.get $p
 *         i32.load8_u
 *         i32.eqz
 *         br_if 1
 *         local.get $p
 *         i32.const 1
 *         i32.add
 *         local.set $p
 *         br 0
 *       end
 *     end
 *     local.get $p
 *     local.get $s
 *     i32.sub)
 *   ;; do { p++; n++; } while (*p) (br_if_i32_load8_u)
 *   (func $skip (export "skip") (param $s i32) (result i32)
 *     (local $p i32) (local $n i32)
 *     local.get $s
 *     local.set $p
 *     loop
 *       local.get $p
 *       i32.const 1
 *       i32.add
 *       local.set $p
 *       local.get $n
 *       i32.const 1
 *       i32.add
 *       local.set $n
 *       local.get $p
 *       i32.load8_u
 *       br_if 0
 *     end
 *     local.get $n)
 *   ;; if (!*s) with an `if` (br_if_i32_load8_u) and if (*s) (br_unless_i32_load8_u)
 *   (func $is_empty (export "is_empty") (param $s i32) (result i32)
 *     local.get $s
 *     i32.load8_u
 *     i32.eqz
 *     if (result i32)
 *       i32.const 1
 *     else
 *       i32.const 0
 *     end)
 *   (func $first_or_7 (export "first_or_7") (param $s i32) (result i32)
 *     local.get $s
 *     i32.load8_u
 *     if (result i32)
 *       local.get $s
 *       i32.load8_u
 *     else
 *       i32.const 7
 *     end)
 *   ;; tests under a mask: br_i32_and_eq_imm, br_i32_and_eq (masked operand on the right), and the
 *   ;; negated forms from `if`
 *   (func $is_comma (export "is_comma") (param $c i32) (result i32)
 *     block
 *       local.get $c
 *       i32.const 255
 *       i32.and
 *       i32.const 44
 *       i32.eq
 *       br_if 0
 *       i32.const 0
 *       return
 *     end
 *     i32.const 1)
 *   (func $low_eq (export "low_eq") (param $x i32) (param $y i32) (result i32)
 *     block
 *       local.get $y
 *       local.get $x
 *       i32.const 65535
 *       i32.and
 *       i32.eq
 *       br_if 0
 *       i32.const 0
 *       return
 *     end
 *     i32.const 1)
 *   (func $nibble_is_3 (export "nibble_is_3") (param $x i32) (result i32)
 *     local.get $x
 *     i32.const 15
 *     i32.and
 *     i32.const 3
 *     i32.eq
 *     if (result i32)
 *       i32.const 100
 *     else
 *       i32.const 200
 *     end)
 *   (func $low_eq_if (export "low_eq_if") (param $x i32) (param $y i32) (result i32)
 *     local.get $x
 *     i32.const 65535
 *     i32.and
 *     local.get $y
 *     i32.eq
 *     if (result i32)
 *       i32.const 1
 *     else
 *       i32.const 0
 *     end)
 *   ;; the masked value tee'd into a local is still written
 *   (func $mask_tee (export "mask_tee") (param $x i32) (result i32)
 *     (local $m i32)
 *     block
 *       local.get $x
 *       i32.const 255
 *       i32.and
 *       local.tee $m
 *       i32.const 44
 *       i32.ne
 *       br_if 0
 *       i32.const -1
 *       return
 *     end
 *     local.get $m)
 *   ;; x[k] += 3 (i32_load_add_store), returning the stored value read back
 *   (func $bump (export "bump") (param $a i32) (result i32)
 *     local.get $a
 *     local.get $a
 *     i32.load offset=8
 *     i32.const 3
 *     i32.add
 *     i32.store offset=8
 *     local.get $a
 *     i32.load offset=8)
 *   ;; the same with the sum tee'd into a local (still written) and returned
 *   (func $bump_tee (export "bump_tee") (param $a i32) (result i32)
 *     (local $t i32)
 *     local.get $a
 *     local.get $a
 *     i32.load offset=8
 *     i32.const 5
 *     i32.add
 *     local.tee $t
 *     i32.store offset=8
 *     local.get $t)
 *   ;; another offset for the store: not an increment, mem[a + 12] = mem[a + 8] + 3
 *   (func $bump_other (export "bump_other") (param $a i32) (result i32)
 *     local.get $a
 *     local.get $a
 *     i32.load offset=8
 *     i32.const 3
 *     i32.add
 *     i32.store offset=12
 *     local.get $a
 *     i32.load offset=12)
 *   ;; c += n while (--n) (br_if_i32_add_imm)
 *   (func $countdown (export "countdown") (param $n i32) (result i32)
 *     (local $c i32)
 *     loop
 *       local.get $c
 *       local.get $n
 *       i32.add
 *       local.set $c
 *       local.get $n
 *       i32.const -1
 *       i32.add
 *       local.tee $n
 *       br_if 0
 *     end
 *     local.get $c)
 *   ;; a = 40; b = x; (const32_copy)
 *   (func $consts (export "consts") (param $x i32) (result i32)
 *     (local $a i32) (local $b i32)
 *     i32.const 40
 *     local.set $a
 *     local.get $x
 *     local.set $b
 *     local.get $a
 *     local.get $b
 *     i32.add)
 *   ;; pointers chased into narrower loads (i32_load_load8_u and co.)
 *   (func $chase8u (export "chase8u") (param $p i32) (result i32)
 *     local.get $p
 *     i32.load
 *     i32.load8_u offset=2)
 *   (func $chase8s (export "chase8s") (param $p i32) (result i32)
 *     local.get $p
 *     i32.load
 *     i32.load8_s offset=4)
 *   (func $chase16u (export "chase16u") (param $p i32) (result i32)
 *     local.get $p
 *     i32.load
 *     i32.load16_u offset=2)
 *   (func $chase16s (export "chase16s") (param $p i32) (result i32)
 *     local.get $p
 *     i32.load
 *     i32.load16_s offset=2)
 *   ;; old = *p; *(p + 65528) = v: the store may trap on its own
 *   (func $exchange_far (export "exchange_far") (param $p i32) (param $v i32) (result i32)
 *     (local $old i32)
 *     local.get $p
 *     i32.load
 *     local.set $old
 *     local.get $p
 *     local.get $v
 *     i32.store offset=65528
 *     local.get $old))
 */
#include "engine_test_util.h"

#include "../fuzz/plain_code.h"
#include "code.h"
#include "runtime.h"
#include "unfused.h"

#include <stdlib.h>

static const uint8_t fusion_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x16, 0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x05, 0x03,
    0x01, 0x00, 0x01, 0x07, 0xe0, 0x01, 0x15, 0x07, 0x72, 0x65, 0x76, 0x65, 0x72, 0x73, 0x65, 0x00,
    0x00, 0x04, 0x6b, 0x65, 0x79, 0x73, 0x00, 0x01, 0x06, 0x73, 0x74, 0x72, 0x6c, 0x65, 0x6e, 0x00,
    0x02, 0x04, 0x73, 0x6b, 0x69, 0x70, 0x00, 0x03, 0x08, 0x69, 0x73, 0x5f, 0x65, 0x6d, 0x70, 0x74,
    0x79, 0x00, 0x04, 0x0a, 0x66, 0x69, 0x72, 0x73, 0x74, 0x5f, 0x6f, 0x72, 0x5f, 0x37, 0x00, 0x05,
    0x08, 0x69, 0x73, 0x5f, 0x63, 0x6f, 0x6d, 0x6d, 0x61, 0x00, 0x06, 0x06, 0x6c, 0x6f, 0x77, 0x5f,
    0x65, 0x71, 0x00, 0x07, 0x0b, 0x6e, 0x69, 0x62, 0x62, 0x6c, 0x65, 0x5f, 0x69, 0x73, 0x5f, 0x33,
    0x00, 0x08, 0x09, 0x6c, 0x6f, 0x77, 0x5f, 0x65, 0x71, 0x5f, 0x69, 0x66, 0x00, 0x09, 0x08, 0x6d,
    0x61, 0x73, 0x6b, 0x5f, 0x74, 0x65, 0x65, 0x00, 0x0a, 0x04, 0x62, 0x75, 0x6d, 0x70, 0x00, 0x0b,
    0x08, 0x62, 0x75, 0x6d, 0x70, 0x5f, 0x74, 0x65, 0x65, 0x00, 0x0c, 0x0a, 0x62, 0x75, 0x6d, 0x70,
    0x5f, 0x6f, 0x74, 0x68, 0x65, 0x72, 0x00, 0x0d, 0x09, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x64, 0x6f,
    0x77, 0x6e, 0x00, 0x0e, 0x06, 0x63, 0x6f, 0x6e, 0x73, 0x74, 0x73, 0x00, 0x0f, 0x07, 0x63, 0x68,
    0x61, 0x73, 0x65, 0x38, 0x75, 0x00, 0x10, 0x07, 0x63, 0x68, 0x61, 0x73, 0x65, 0x38, 0x73, 0x00,
    0x11, 0x08, 0x63, 0x68, 0x61, 0x73, 0x65, 0x31, 0x36, 0x75, 0x00, 0x12, 0x08, 0x63, 0x68, 0x61,
    0x73, 0x65, 0x31, 0x36, 0x73, 0x00, 0x13, 0x0c, 0x65, 0x78, 0x63, 0x68, 0x61, 0x6e, 0x67, 0x65,
    0x5f, 0x66, 0x61, 0x72, 0x00, 0x14, 0x0a, 0xdb, 0x03, 0x15, 0x25, 0x01, 0x03, 0x7f, 0x20, 0x00,
    0x21, 0x02, 0x03, 0x40, 0x20, 0x02, 0x22, 0x01, 0x28, 0x02, 0x00, 0x21, 0x02, 0x20, 0x01, 0x20,
    0x03, 0x36, 0x02, 0x00, 0x20, 0x01, 0x21, 0x03, 0x20, 0x02, 0x0d, 0x00, 0x0b, 0x20, 0x03, 0x0b,
    0x27, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x00, 0x03, 0x40, 0x20, 0x01, 0x41,
    0x0a, 0x6c, 0x20, 0x00, 0x28, 0x02, 0x04, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x28, 0x02, 0x00, 0x22,
    0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x24, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x21, 0x01,
    0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x2d, 0x00, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x41, 0x01,
    0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x20, 0x00, 0x6b, 0x0b, 0x22, 0x01, 0x02,
    0x7f, 0x20, 0x00, 0x21, 0x01, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x20, 0x02,
    0x41, 0x01, 0x6a, 0x21, 0x02, 0x20, 0x01, 0x2d, 0x00, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b,
    0x10, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x00, 0x0b,
    0x0b, 0x12, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x05,
    0x41, 0x07, 0x0b, 0x0b, 0x15, 0x00, 0x02, 0x40, 0x20, 0x00, 0x41, 0xff, 0x01, 0x71, 0x41, 0x2c,
    0x46, 0x0d, 0x00, 0x41, 0x00, 0x0f, 0x0b, 0x41, 0x01, 0x0b, 0x16, 0x00, 0x02, 0x40, 0x20, 0x01,
    0x20, 0x00, 0x41, 0xff, 0xff, 0x03, 0x71, 0x46, 0x0d, 0x00, 0x41, 0x00, 0x0f, 0x0b, 0x41, 0x01,
    0x0b, 0x14, 0x00, 0x20, 0x00, 0x41, 0x0f, 0x71, 0x41, 0x03, 0x46, 0x04, 0x7f, 0x41, 0xe4, 0x00,
    0x05, 0x41, 0xc8, 0x01, 0x0b, 0x0b, 0x14, 0x00, 0x20, 0x00, 0x41, 0xff, 0xff, 0x03, 0x71, 0x20,
    0x01, 0x46, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x41, 0x00, 0x0b, 0x0b, 0x19, 0x01, 0x01, 0x7f, 0x02,
    0x40, 0x20, 0x00, 0x41, 0xff, 0x01, 0x71, 0x22, 0x01, 0x41, 0x2c, 0x47, 0x0d, 0x00, 0x41, 0x7f,
    0x0f, 0x0b, 0x20, 0x01, 0x0b, 0x14, 0x00, 0x20, 0x00, 0x20, 0x00, 0x28, 0x02, 0x08, 0x41, 0x03,
    0x6a, 0x36, 0x02, 0x08, 0x20, 0x00, 0x28, 0x02, 0x08, 0x0b, 0x15, 0x01, 0x01, 0x7f, 0x20, 0x00,
    0x20, 0x00, 0x28, 0x02, 0x08, 0x41, 0x05, 0x6a, 0x22, 0x01, 0x36, 0x02, 0x08, 0x20, 0x01, 0x0b,
    0x14, 0x00, 0x20, 0x00, 0x20, 0x00, 0x28, 0x02, 0x08, 0x41, 0x03, 0x6a, 0x36, 0x02, 0x0c, 0x20,
    0x00, 0x28, 0x02, 0x0c, 0x0b, 0x19, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x6a,
    0x21, 0x01, 0x20, 0x00, 0x41, 0x7f, 0x6a, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b, 0x11,
    0x01, 0x02, 0x7f, 0x41, 0x28, 0x21, 0x01, 0x20, 0x00, 0x21, 0x02, 0x20, 0x01, 0x20, 0x02, 0x6a,
    0x0b, 0x0a, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x2d, 0x00, 0x02, 0x0b, 0x0a, 0x00, 0x20, 0x00,
    0x28, 0x02, 0x00, 0x2c, 0x00, 0x04, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x2f, 0x01,
    0x02, 0x0b, 0x0a, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x2e, 0x01, 0x02, 0x0b, 0x16, 0x01, 0x01,
    0x7f, 0x20, 0x00, 0x28, 0x02, 0x00, 0x21, 0x02, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0xf8, 0xff,
    0x03, 0x20, 0x02, 0x0b, 0x0b, 0x4c, 0x04, 0x00, 0x41, 0x10, 0x0b, 0x20, 0x18, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x41, 0xc0, 0x00,
    0x0b, 0x06, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x41, 0xd0, 0x00, 0x0b, 0x08, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x41, 0xe0, 0x00, 0x0b, 0x06, 0x00, 0x00, 0xfe, 0xff,
    0x80, 0x00, 0x00, 0xfd, 0x02, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0xcb, 0x01, 0x15, 0x00, 0x07,
    0x72, 0x65, 0x76, 0x65, 0x72, 0x73, 0x65, 0x01, 0x04, 0x6b, 0x65, 0x79, 0x73, 0x02, 0x06, 0x73,
    0x74, 0x72, 0x6c, 0x65, 0x6e, 0x03, 0x04, 0x73, 0x6b, 0x69, 0x70, 0x04, 0x08, 0x69, 0x73, 0x5f,
    0x65, 0x6d, 0x70, 0x74, 0x79, 0x05, 0x0a, 0x66, 0x69, 0x72, 0x73, 0x74, 0x5f, 0x6f, 0x72, 0x5f,
    0x37, 0x06, 0x08, 0x69, 0x73, 0x5f, 0x63, 0x6f, 0x6d, 0x6d, 0x61, 0x07, 0x06, 0x6c, 0x6f, 0x77,
    0x5f, 0x65, 0x71, 0x08, 0x0b, 0x6e, 0x69, 0x62, 0x62, 0x6c, 0x65, 0x5f, 0x69, 0x73, 0x5f, 0x33,
    0x09, 0x09, 0x6c, 0x6f, 0x77, 0x5f, 0x65, 0x71, 0x5f, 0x69, 0x66, 0x0a, 0x08, 0x6d, 0x61, 0x73,
    0x6b, 0x5f, 0x74, 0x65, 0x65, 0x0b, 0x04, 0x62, 0x75, 0x6d, 0x70, 0x0c, 0x08, 0x62, 0x75, 0x6d,
    0x70, 0x5f, 0x74, 0x65, 0x65, 0x0d, 0x0a, 0x62, 0x75, 0x6d, 0x70, 0x5f, 0x6f, 0x74, 0x68, 0x65,
    0x72, 0x0e, 0x09, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x64, 0x6f, 0x77, 0x6e, 0x0f, 0x06, 0x63, 0x6f,
    0x6e, 0x73, 0x74, 0x73, 0x10, 0x07, 0x63, 0x68, 0x61, 0x73, 0x65, 0x38, 0x75, 0x11, 0x07, 0x63,
    0x68, 0x61, 0x73, 0x65, 0x38, 0x73, 0x12, 0x08, 0x63, 0x68, 0x61, 0x73, 0x65, 0x31, 0x36, 0x75,
    0x13, 0x08, 0x63, 0x68, 0x61, 0x73, 0x65, 0x31, 0x36, 0x73, 0x14, 0x0c, 0x65, 0x78, 0x63, 0x68,
    0x61, 0x6e, 0x67, 0x65, 0x5f, 0x66, 0x61, 0x72, 0x02, 0xa7, 0x01, 0x15, 0x00, 0x04, 0x00, 0x04,
    0x68, 0x65, 0x61, 0x64, 0x01, 0x04, 0x6c, 0x69, 0x73, 0x74, 0x02, 0x04, 0x6e, 0x65, 0x78, 0x74,
    0x03, 0x03, 0x72, 0x65, 0x76, 0x01, 0x02, 0x00, 0x01, 0x70, 0x01, 0x01, 0x73, 0x02, 0x02, 0x00,
    0x01, 0x73, 0x01, 0x01, 0x70, 0x03, 0x03, 0x00, 0x01, 0x73, 0x01, 0x01, 0x70, 0x02, 0x01, 0x6e,
    0x04, 0x01, 0x00, 0x01, 0x73, 0x05, 0x01, 0x00, 0x01, 0x73, 0x06, 0x01, 0x00, 0x01, 0x63, 0x07,
    0x02, 0x00, 0x01, 0x78, 0x01, 0x01, 0x79, 0x08, 0x01, 0x00, 0x01, 0x78, 0x09, 0x02, 0x00, 0x01,
    0x78, 0x01, 0x01, 0x79, 0x0a, 0x02, 0x00, 0x01, 0x78, 0x01, 0x01, 0x6d, 0x0b, 0x01, 0x00, 0x01,
    0x61, 0x0c, 0x02, 0x00, 0x01, 0x61, 0x01, 0x01, 0x74, 0x0d, 0x01, 0x00, 0x01, 0x61, 0x0e, 0x02,
    0x00, 0x01, 0x6e, 0x01, 0x01, 0x63, 0x0f, 0x03, 0x00, 0x01, 0x78, 0x01, 0x01, 0x61, 0x02, 0x01,
    0x62, 0x10, 0x01, 0x00, 0x01, 0x70, 0x11, 0x01, 0x00, 0x01, 0x70, 0x12, 0x01, 0x00, 0x01, 0x70,
    0x13, 0x01, 0x00, 0x01, 0x70, 0x14, 0x03, 0x00, 0x01, 0x70, 0x01, 0x01, 0x76, 0x02, 0x03, 0x6f,
    0x6c, 0x64,
};

/* Does defined function fi's code contain op? */
static bool has_op(const runnel_module *m, uint32_t fi, enum rn_op op)
{
    const rn_code *c = m->mod.funcs[fi].code;
    assert_non_null(c);
    for (uint32_t i = 0; i < c->nwords; i++)
        if (c->words[i] == (uint32_t)op)
            return true;
    return false;
}

typedef struct fixture {
    runnel_module *m;
    runnel_store *s;
    runnel_instance *i;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->m = load(fusion_wasm, sizeof fusion_wasm);
    f->s = new_store(NULL);
    f->i = instantiate(f->s, f->m, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    runnel_store_free(f->s);
    runnel_module_free(f->m);
    free(f);
    return 0;
}

static void expect_trap_at(runnel_instance *i, const char *name, int nargs, int32_t a, int32_t b, uint32_t offset)
{
    runnel_report r = {0};
    assert_int_equal(call_i32(i, name, nargs, a, b, NULL, &r), RUNNEL_TRAP);
    assert_int_equal(r.trap, RUNNEL_TRAP_MEMORY_OOB);
    assert_true(r.nframes >= 1);
    assert_string_equal(r.frames[0].func_name, name);
    assert_int_equal(r.frames[0].offset, offset);
    runnel_report_clear(&r);
}

/* A linked list walked and reversed: the loop's leading copy done by its back-edge, a load and a store
   to the same node in one op, and `p = p->next; while (p)` in one op. */
static void test_list_loops(void **state)
{
    fixture *f = *state;
    assert_true(has_op(f->m, 0, OP_br_if_copy));
    assert_true(has_op(f->m, 0, OP_i32_load_store));
    assert_true(has_op(f->m, 1, OP_br_if_i32_load));
    assert_int_equal(ok_i32(f->i, "keys", 1, 16, 0), 1234);
    assert_int_equal(ok_i32(f->i, "reverse", 1, 16, 0), 40); /* the last node is the new head */
    assert_int_equal(ok_i32(f->i, "keys", 1, 40, 0), 4321);
    assert_int_equal(ok_i32(f->i, "keys", 1, 16, 0), 1);    /* the old head is now the tail */
    assert_int_equal(ok_i32(f->i, "reverse", 1, 40, 0), 16);
    assert_int_equal(ok_i32(f->i, "keys", 1, 16, 0), 1234);
    assert_int_equal(ok_i32(f->i, "keys", 1, 0, 0), 0);
}

/* Bytes loaded and tested at once, in the four ways a branch can test them. */
static void test_byte_branches(void **state)
{
    fixture *f = *state;
    assert_true(has_op(f->m, 2, OP_br_unless_i32_load8_u));
    assert_true(has_op(f->m, 3, OP_br_if_i32_load8_u));
    assert_true(has_op(f->m, 4, OP_br_if_i32_load8_u));
    assert_true(has_op(f->m, 5, OP_br_unless_i32_load8_u));
    assert_int_equal(ok_i32(f->i, "strlen", 1, 64, 0), 5);
    assert_int_equal(ok_i32(f->i, "strlen", 1, 69, 0), 0);
    assert_int_equal(ok_i32(f->i, "skip", 1, 64, 0), 5);
    assert_int_equal(ok_i32(f->i, "skip", 1, 69, 0), 1);
    assert_int_equal(ok_i32(f->i, "is_empty", 1, 69, 0), 1);
    assert_int_equal(ok_i32(f->i, "is_empty", 1, 64, 0), 0);
    assert_int_equal(ok_i32(f->i, "first_or_7", 1, 64, 0), 'h');
    assert_int_equal(ok_i32(f->i, "first_or_7", 1, 69, 0), 7);
    expect_trap_at(f->i, "strlen", 1, 65536, 0, 0x176); /* the i32.load8_u of the loop */
}

/* `(x & mask) == k` tested by one op, for br_if and if, immediate and register, mask on either side. */
static void test_mask_branches(void **state)
{
    fixture *f = *state;
    assert_true(has_op(f->m, 6, OP_br_i32_and_eq_imm));
    assert_true(has_op(f->m, 7, OP_br_i32_and_eq));
    assert_true(has_op(f->m, 8, OP_br_i32_and_ne_imm));
    assert_true(has_op(f->m, 9, OP_br_i32_and_ne));
    assert_true(has_op(f->m, 10, OP_br_i32_and_ne_imm));
    assert_int_equal(ok_i32(f->i, "is_comma", 1, 44, 0), 1);
    assert_int_equal(ok_i32(f->i, "is_comma", 1, 0x12c, 0), 1); /* only the low byte counts */
    assert_int_equal(ok_i32(f->i, "is_comma", 1, 45, 0), 0);
    assert_int_equal(ok_i32(f->i, "low_eq", 2, 0x70001234, 0x1234), 1);
    assert_int_equal(ok_i32(f->i, "low_eq", 2, 0x1234, 0x70001234), 0);
    assert_int_equal(ok_i32(f->i, "nibble_is_3", 1, 0xf3, 0), 100);
    assert_int_equal(ok_i32(f->i, "nibble_is_3", 1, 0xf4, 0), 200);
    assert_int_equal(ok_i32(f->i, "low_eq_if", 2, -65536 + 7, 7), 1);
    assert_int_equal(ok_i32(f->i, "low_eq_if", 2, 8, 7), 0);
    assert_int_equal(ok_i32(f->i, "mask_tee", 1, 0x1ff, 0), 0xff); /* the local got x & 255 */
    assert_int_equal(ok_i32(f->i, "mask_tee", 1, 0x12c, 0), -1);
}

/* x[k] += n as one op, the sum still reaching a local.tee; a store elsewhere is not an increment. */
static void test_increments(void **state)
{
    fixture *f = *state;
    assert_true(has_op(f->m, 11, OP_i32_load_add_store));
    assert_true(has_op(f->m, 12, OP_i32_load_add_store));
    assert_false(has_op(f->m, 13, OP_i32_load_add_store));
    assert_int_equal(ok_i32(f->i, "bump", 1, 200, 0), 3);
    assert_int_equal(ok_i32(f->i, "bump", 1, 200, 0), 6);
    assert_int_equal(ok_i32(f->i, "bump_tee", 1, 200, 0), 11);
    assert_int_equal(ok_i32(f->i, "bump_other", 1, 200, 0), 14); /* mem[212] = mem[208] + 3 */
    assert_int_equal(ok_i32(f->i, "bump", 1, 200, 0), 14);       /* mem[208] unchanged by it */
    expect_trap_at(f->i, "bump", 1, 65532, 0, 0x24b);            /* the load traps, at its offset */
}

/* `while (--n)`, `a = 40; b = x;` and pointers chased into narrow loads. */
static void test_small_fusions(void **state)
{
    fixture *f = *state;
    assert_true(has_op(f->m, 14, OP_br_if_i32_add_imm));
    assert_true(has_op(f->m, 15, OP_const32_copy));
    assert_true(has_op(f->m, 16, OP_i32_load_load8_u));
    assert_true(has_op(f->m, 17, OP_i32_load_load8_s));
    assert_true(has_op(f->m, 18, OP_i32_load_load16_u));
    assert_true(has_op(f->m, 19, OP_i32_load_load16_s));
    assert_int_equal(ok_i32(f->i, "countdown", 1, 5, 0), 15);
    assert_int_equal(ok_i32(f->i, "countdown", 1, 1, 0), 1);
    assert_int_equal(ok_i32(f->i, "consts", 1, 2, 0), 42);
    assert_int_equal(ok_i32(f->i, "chase8u", 1, 80, 0), 0xfe);
    assert_int_equal(ok_i32(f->i, "chase8s", 1, 80, 0), -128);
    assert_int_equal(ok_i32(f->i, "chase16u", 1, 80, 0), 0xfffe);
    assert_int_equal(ok_i32(f->i, "chase16s", 1, 80, 0), -2);
    /* [84] = 0xffff0000: the second load traps, and says so */
    expect_trap_at(f->i, "chase8u", 1, 84, 0, 0x2b8);
    expect_trap_at(f->i, "chase8u", 1, 65534, 0, 0x2b5);
}

/* A load and a store to one base in one op: the store may trap alone, at its own offset. */
static void test_exchange(void **state)
{
    fixture *f = *state;
    assert_true(has_op(f->m, 20, OP_i32_load_store));
    assert_int_equal(ok_i32(f->i, "exchange_far", 2, 4, 77), 0); /* stores 77 at 65532 */
    assert_int_equal(ok_i32(f->i, "bump", 1, 65524, 0), 80);      /* 65532 = 65524 + 8 */
    expect_trap_at(f->i, "exchange_far", 2, 8, 1, 0x2ec);
    expect_trap_at(f->i, "exchange_far", 2, 65534, 1, 0x2e3);
}

/* The module compiled without fusion (unfused.h), the reference that the fuzz target runnel_fuzz_diff
   holds fused code to: its code must be plain ops only (so a fusion rule that escapes the switch shows
   here, in every build), and each call must end as on the fused module, with the same result or the
   same trap at the same offset, and leave the same memory. The calls are those of the tests above. */
static void test_unfused(void **state)
{
    fixture *f = *state;
    runnel_report r = {0};
    runnel_module *m = rn_module_new_unfused(fusion_wasm, sizeof fusion_wasm, &r);
    assert_non_null(m);
    for (uint32_t fi = 0; fi < m->mod.nfuncs_defined; fi++) {
        uint32_t bad = 0;
        if (!code_is_plain(m->mod.funcs[fi].code, &bad))
            print_error("function %u: op %u at word %u is not plain\n", fi, m->mod.funcs[fi].code->words[bad], bad);
        assert_true(code_is_plain(m->mod.funcs[fi].code, &bad));
    }
    assert_true(has_op(f->m, 0, OP_br_if_copy)); /* while the fused module does fuse */
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    static const struct {
        const char *name;
        int nargs;
        int32_t a, b;
    } calls[] = {
        {"keys", 1, 16, 0},        {"reverse", 1, 16, 0},
        {"keys", 1, 40, 0},        {"reverse", 1, 40, 0},
        {"keys", 1, 0, 0},         {"strlen", 1, 64, 0},
        {"strlen", 1, 65536, 0},   {"skip", 1, 64, 0},
        {"skip", 1, 65535, 0},     {"is_empty", 1, 69, 0},
        {"is_empty", 1, 64, 0},    {"first_or_7", 1, 64, 0},
        {"first_or_7", 1, 69, 0},  {"is_comma", 1, 0x12c, 0},
        {"is_comma", 1, 45, 0},    {"low_eq", 2, 0x70001234, 0x1234},
        {"low_eq", 2, 1, 2},       {"nibble_is_3", 1, 0xf3, 0},
        {"nibble_is_3", 1, 4, 0},  {"low_eq_if", 2, -65536 + 7, 7},
        {"low_eq_if", 2, 8, 7},    {"mask_tee", 1, 0x1ff, 0},
        {"mask_tee", 1, 0x12c, 0}, {"bump", 1, 200, 0},
        {"bump_tee", 1, 200, 0},   {"bump_other", 1, 200, 0},
        {"bump", 1, 65532, 0},     {"countdown", 1, 5, 0},
        {"consts", 1, 2, 0},       {"chase8u", 1, 80, 0},
        {"chase8s", 1, 80, 0},     {"chase16u", 1, 80, 0},
        {"chase16s", 1, 80, 0},    {"chase8u", 1, 84, 0},
        {"chase8u", 1, 65534, 0},  {"exchange_far", 2, 4, 77},
        {"exchange_far", 2, 8, 1}, {"exchange_far", 2, 65534, 1},
    };
    for (size_t k = 0; k < sizeof calls / sizeof *calls; k++) {
        runnel_report rf = {0}, ru = {0};
        int32_t vf = 0, vu = 0;
        runnel_status sf = call_i32(f->i, calls[k].name, calls[k].nargs, calls[k].a, calls[k].b, &vf, &rf);
        runnel_status su = call_i32(i, calls[k].name, calls[k].nargs, calls[k].a, calls[k].b, &vu, &ru);
        if (sf != su || vf != vu)
            print_error("%s(%d, %d): fused %s %d, unfused %s %d\n", calls[k].name, calls[k].a, calls[k].b,
                        runnel_status_name(sf), vf, runnel_status_name(su), vu);
        assert_int_equal(sf, su);
        assert_int_equal(vf, vu);
        assert_int_equal(rf.trap, ru.trap);
        assert_int_equal(rf.nframes, ru.nframes);
        if (rf.nframes)
            assert_int_equal(rf.frames[0].offset, ru.frames[0].offset);
        runnel_report_clear(&rf);
        runnel_report_clear(&ru);
    }
    runnel_memory *mf = runnel_instance_memory(f->i, NULL), *mu = runnel_instance_memory(i, NULL);
    assert_int_equal(runnel_memory_size(mf), runnel_memory_size(mu));
    assert_memory_equal(runnel_memory_data(mf), runnel_memory_data(mu), runnel_memory_size(mf));
    runnel_store_free(s);
    runnel_module_free(m);
}

/* Loads and stores at constant addresses (C's static variables) fold the address into the offset, and
 * constants wait on the compiler's stack until used (lazy), so an address pushed before the value it
 * stores still folds; lazy constants must still be in their slots wherever control flow needs them:
 *
 * (module
 *   (memory 1)
 *   (data (i32.const 80) "\60\00\00\00")
 *   ;; static variables: a load and a store at constant addresses (i32_load_abs, i32_store_abs)
 *   (func $get (export "get") (result i32)
 *     i32.const 0
 *     i32.load offset=80)
 *   (func $put (export "put") (param $v i32) (result i32)
 *     i32.const 0
 *     local.get $v
 *     i32.store16 offset=300
 *     i32.const 300
 *     i32.load)
 *   ;; the last bytes of memory, and one past them
 *   (func $last (export "last") (param $v i32) (result i32)
 *     i32.const 65532
 *     local.get $v
 *     i32.store
 *     i32.const 65528
 *     i64.load
 *     i64.const 32
 *     i64.shr_u
 *     i32.wrap_i64)
 *   (func $past (export "past") (result i32)
 *     i32.const 65535
 *     i32.load8_u offset=1)
 *   ;; an address and offset whose sum does not fit 32 bits: no folding, the plain load traps
 *   (func $wrap (export "wrap") (result i32)
 *     i32.const -1
 *     i32.load offset=2)
 *   ;; lazy constants: an address pushed before the value it stores (still folded), one that waits below
 *   ;; an if's two arms, a loop's param and an if's param (both must be in their slots for every path)
 *   (func $counter (export "counter") (param $v i32) (result i32)
 *     i32.const 0
 *     local.get $v
 *     i32.const 1
 *     i32.add
 *     i32.store offset=400
 *     i32.const 0
 *     i32.load offset=400)
 *   (func $below_if (export "below_if") (param $c i32) (result i32)
 *     i32.const 404
 *     local.get $c
 *     if (result i32)
 *       i32.const 7
 *     else
 *       i32.const 9
 *     end
 *     i32.store
 *     i32.const 404
 *     i32.load)
 *   (func $loop_param (export "loop_param") (param $n i32) (result i32)
 *     i32.const 5
 *     loop (param i32) (result i32)
 *       i32.const 3
 *       i32.add
 *       local.get $n
 *       i32.const -1
 *       i32.add
 *       local.tee $n
 *       br_if 0
 *     end)
 *   (func $if_param (export "if_param") (param $c i32) (result i32)
 *     i32.const 40
 *     local.get $c
 *     if (param i32) (result i32)
 *       i32.const 2
 *       i32.add
 *     else
 *       i32.const 1
 *       i32.sub
 *     end))
 */
static const uint8_t abs_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x0a, 0x09, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01,
    0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x4f, 0x09, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00, 0x03, 0x70,
    0x75, 0x74, 0x00, 0x01, 0x04, 0x6c, 0x61, 0x73, 0x74, 0x00, 0x02, 0x04, 0x70, 0x61, 0x73, 0x74,
    0x00, 0x03, 0x04, 0x77, 0x72, 0x61, 0x70, 0x00, 0x04, 0x07, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65,
    0x72, 0x00, 0x05, 0x08, 0x62, 0x65, 0x6c, 0x6f, 0x77, 0x5f, 0x69, 0x66, 0x00, 0x06, 0x0a, 0x6c,
    0x6f, 0x6f, 0x70, 0x5f, 0x70, 0x61, 0x72, 0x61, 0x6d, 0x00, 0x07, 0x08, 0x69, 0x66, 0x5f, 0x70,
    0x61, 0x72, 0x61, 0x6d, 0x00, 0x08, 0x0a, 0x95, 0x01, 0x09, 0x07, 0x00, 0x41, 0x00, 0x28, 0x02,
    0x50, 0x0b, 0x10, 0x00, 0x41, 0x00, 0x20, 0x00, 0x3b, 0x01, 0xac, 0x02, 0x41, 0xac, 0x02, 0x28,
    0x02, 0x00, 0x0b, 0x16, 0x00, 0x41, 0xfc, 0xff, 0x03, 0x20, 0x00, 0x36, 0x02, 0x00, 0x41, 0xf8,
    0xff, 0x03, 0x29, 0x03, 0x00, 0x42, 0x20, 0x88, 0xa7, 0x0b, 0x09, 0x00, 0x41, 0xff, 0xff, 0x03,
    0x2d, 0x00, 0x01, 0x0b, 0x07, 0x00, 0x41, 0x7f, 0x28, 0x02, 0x02, 0x0b, 0x13, 0x00, 0x41, 0x00,
    0x20, 0x00, 0x41, 0x01, 0x6a, 0x36, 0x02, 0x90, 0x03, 0x41, 0x00, 0x28, 0x02, 0x90, 0x03, 0x0b,
    0x18, 0x00, 0x41, 0x94, 0x03, 0x20, 0x00, 0x04, 0x7f, 0x41, 0x07, 0x05, 0x41, 0x09, 0x0b, 0x36,
    0x02, 0x00, 0x41, 0x94, 0x03, 0x28, 0x02, 0x00, 0x0b, 0x13, 0x00, 0x41, 0x05, 0x03, 0x01, 0x41,
    0x03, 0x6a, 0x20, 0x00, 0x41, 0x7f, 0x6a, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x10, 0x00, 0x41,
    0x28, 0x20, 0x00, 0x04, 0x01, 0x41, 0x02, 0x6a, 0x05, 0x41, 0x01, 0x6b, 0x0b, 0x0b, 0x0b, 0x0b,
    0x01, 0x00, 0x41, 0xd0, 0x00, 0x0b, 0x04, 0x60, 0x00, 0x00, 0x00, 0x00, 0x74, 0x04, 0x6e, 0x61,
    0x6d, 0x65, 0x01, 0x46, 0x09, 0x00, 0x03, 0x67, 0x65, 0x74, 0x01, 0x03, 0x70, 0x75, 0x74, 0x02,
    0x04, 0x6c, 0x61, 0x73, 0x74, 0x03, 0x04, 0x70, 0x61, 0x73, 0x74, 0x04, 0x04, 0x77, 0x72, 0x61,
    0x70, 0x05, 0x07, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x65, 0x72, 0x06, 0x08, 0x62, 0x65, 0x6c, 0x6f,
    0x77, 0x5f, 0x69, 0x66, 0x07, 0x0a, 0x6c, 0x6f, 0x6f, 0x70, 0x5f, 0x70, 0x61, 0x72, 0x61, 0x6d,
    0x08, 0x08, 0x69, 0x66, 0x5f, 0x70, 0x61, 0x72, 0x61, 0x6d, 0x02, 0x25, 0x09, 0x00, 0x00, 0x01,
    0x01, 0x00, 0x01, 0x76, 0x02, 0x01, 0x00, 0x01, 0x76, 0x03, 0x00, 0x04, 0x00, 0x05, 0x01, 0x00,
    0x01, 0x76, 0x06, 0x01, 0x00, 0x01, 0x63, 0x07, 0x01, 0x00, 0x01, 0x6e, 0x08, 0x01, 0x00, 0x01,
    0x63,
};

static void test_static_addresses(void **state)
{
    (void)state;
    runnel_module *m = load(abs_wasm, sizeof abs_wasm);
    runnel_store *s = new_store(NULL);
    runnel_instance *i = instantiate(s, m, NULL);
    assert_true(has_op(m, 0, OP_i32_load_abs));
    assert_true(has_op(m, 1, OP_i32_store16_abs));
    assert_true(has_op(m, 1, OP_i32_load_abs));
    assert_true(has_op(m, 2, OP_i32_store_abs));
    assert_true(has_op(m, 2, OP_i64_load_abs));
    assert_true(has_op(m, 3, OP_i32_load8_u_abs));
    assert_false(has_op(m, 4, OP_i32_load_abs)); /* 0xffffffff + 2 does not fit: left to the plain load */
    assert_int_equal(ok_i32(i, "get", 0, 0, 0), 96);
    assert_int_equal(ok_i32(i, "put", 1, 0x12345678, 0), 0x5678);
    assert_int_equal(ok_i32(i, "last", 1, -7, 0), -7);
    expect_trap_at(i, "past", 0, 0, 0, 0xb0);
    expect_trap_at(i, "wrap", 0, 0, 0, 0xb8);
    assert_true(has_op(m, 5, OP_i32_store_abs)); /* the value came between the address and the store */
    assert_int_equal(ok_i32(i, "counter", 1, 41, 0), 42);
    assert_true(has_op(m, 6, OP_i32_store_abs)); /* the address waited below both arms of the if */
    assert_int_equal(ok_i32(i, "below_if", 1, 1, 0), 7);
    assert_int_equal(ok_i32(i, "below_if", 1, 0, 0), 9);
    assert_int_equal(ok_i32(i, "loop_param", 1, 3, 0), 14); /* 5, then + 3 three times */
    assert_int_equal(ok_i32(i, "if_param", 1, 1, 0), 42);
    assert_int_equal(ok_i32(i, "if_param", 1, 0, 0), 39);
    runnel_store_free(s);
    runnel_module_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_branches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mask_branches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_increments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_fusions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unfused, setup, teardown),
        cmocka_unit_test(test_static_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
