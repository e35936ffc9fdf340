;; trap.wat - a plugin that fails in named functions, for the call's report (runnel_plugin_last_report).
;; The names come from the name section (wat2wasm --debug-names), not from exports: `crash` traps two
;; calls below the export, so its backtrace is crash <- middle <- run.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/user" "host_fail" (func $host_fail))
  (memory (export "memory") 1)
  (func $crash (param $x i32) (result i32)
    (if (i32.eqz (local.get $x)) (then unreachable))
    (local.get $x))
  (func $middle (result i32)
    (call $crash (i32.const 0)))
  (func $run (export "run") (result i32)
    (drop (call $middle))
    (i32.const 0))
  ;; integer division by zero in a function of its own, called from a function named only by its export
  (func $div_by (param $d i32) (result i32)
    (i32.div_s (i32.const 1) (local.get $d)))
  (func (export "divide") (result i32) ;; no name of its own: the export's name stands in
    (call $div_by (i32.const 0)))
  ;; sets the error "E" and then traps: the guest's text wins, the backtrace is still the trap's
  (func $error_then_trap (export "error_then_trap") (result i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $h) (i32.const 0x45))
    (call $error_set (local.get $h))
    unreachable)
  ;; a host function that fails: the backtrace shows where the guest called it
  (func $call_host (export "call_host") (result i32)
    (call $host_fail)
    (i32.const 0))
  ;; returns 0 without trouble, so a failure's report is cleared by the next call
  (func (export "ok") (result i32) (i32.const 0))
)
