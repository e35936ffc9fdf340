;; hostile.wat - a plugin that hands the host every kind of bad handle and address.
;; Each export returns 0 when the host behaved (loads gave 0, bad stores and settings were ignored);
;; the built-ins that must refuse a bad handle make the call fail instead (checked by the test).
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "length_unsafe" (func $length_unsafe (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_set" (func $input_set (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "error_get" (func $error_get (result i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "log_error" (func $log_error (param i64)))
  (import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\00\00\00\00\00\00\00\00\01\00\00\00\00\00\00\00\3f\00\00\00\00\00\00\00\40\00\00\00\00\00\00\00")
  (data (i32.const 32) "\ff\ff\ff\ff\ff\ff\ff\ff\f8\ff\ff\ff\ff\ff\ff\ff\fc\ff\ff\ff\ff\ff\ff\ff\00\00\00\00\00\00\00\80")
  (data (i32.const 64) "\00\00\00\00\01\00\00\00\00\00\01\00\00\00\00\00\4d\00\00\00\00\00\00\00\4e\00\00\00\00\00\00\00")
  ;; 12 hostile addresses at 0..96: 0, 1, 63, 64, 2^64-1, 2^64-8, 2^64-4, 2^63, 2^32, 2^48, 77, 78

  ;; the sum of every load and length at every hostile address, with the input set to 2 bytes
  (func (export "probe") (result i32)
    (local $i i32) (local $a i64) (local $sum i64) (local $h i64)
    (local.set $h (call $alloc (i64.const 2)))          ;; 77 is live now (2 bytes), 78 is not a block
    (call $store_u8 (local.get $h) (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 96)))
        (local.set $a (i64.load (local.get $i)))
        (local.set $sum (i64.add (local.get $sum) (call $length (local.get $a))))
        (local.set $sum (i64.add (local.get $sum) (call $length_unsafe (local.get $a))))
        ;; input_load at any of these offsets is past the (empty) input
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (call $input_load_u8 (local.get $a)))))
        (local.set $sum (i64.add (local.get $sum) (call $input_load_u64 (local.get $a))))
        ;; bad stores must not land anywhere readable
        (call $store_u8 (local.get $a) (i32.const 0xAA))
        (call $store_u64 (local.get $a) (i64.const -1))
        (call $free (local.get $a))
        (call $output_set (local.get $a) (i64.const -1))
        (call $input_set (local.get $a) (i64.const -1))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    ;; the live block: stores to it worked only for 77, and length(77) was counted twice (2 + 2)
    (local.set $sum (i64.sub (local.get $sum) (i64.const 4)))
    ;; loads far out give 0
    (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (call $load_u8 (i64.const -1)))))
    (local.set $sum (i64.add (local.get $sum) (call $load_u64 (i64.const -4))))
    (local.set $sum (i64.add (local.get $sum) (call $load_u64 (i64.const 0x100000000))))
    ;; huge allocations fail with 0
    (local.set $sum (i64.add (local.get $sum) (call $alloc (i64.const -1))))
    (local.set $sum (i64.add (local.get $sum) (call $alloc (i64.const 0x100000000))))
    ;; error_set of a bad handle is ignored
    (call $error_set (i64.const -1))
    (local.set $sum (i64.add (local.get $sum) (call $error_get)))
    (i32.wrap_i64 (local.get $sum)))

  (func (export "config_bad") (result i32) (drop (call $config_get (i64.const -1))) (i32.const 0))
  (func (export "var_get_bad") (result i32) (drop (call $var_get (i64.const 78))) (i32.const 0))
  (func (export "var_set_bad") (result i32) (call $var_set (i64.const 0x7fffffff) (i64.const 0)) (i32.const 0))
  (func (export "var_set_bad_value") (result i32)
    (local $k i64)
    (local.set $k (call $alloc (i64.const 1)))
    (call $var_set (local.get $k) (i64.const 12345)) (i32.const 0))
  (func (export "log_bad") (result i32) (call $log_error (i64.const 12345)) (i32.const 0))
  (func (export "http_bad") (result i32) (drop (call $http_request (i64.const -1) (i64.const 0))) (i32.const 0))
  ;; the plugin's own memory is bounds-checked by the engine: a trap, rc 134
  (func (export "own_oob") (result i32) (i32.load (i32.const 65535)))
)
