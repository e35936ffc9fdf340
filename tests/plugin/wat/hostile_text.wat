;; hostile_text.wat - a plugin whose texts are terminal control sequences, for the escaping of every
;; place runnel prints a guest's text (src/engine/text.c). Each text holds a window title (ESC ] 0 ;
;; ... BEL), a screen clear (ESC [ 2 J), the C1 CSI as UTF-8 (C2 9B), a newline and a byte that is not
;; UTF-8 (FF). The function that traps is named AAAAAAAAAAAAAAAA: hostile_text.sh puts the same kind of
;; sequence in its place in the name section (wat identifiers cannot hold control characters).
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "log_error" (func $log_error (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 0) "log \1b]0;pwned-log\07\1b[2J\c2\9b2J\0afake line\ff end")
  (data (i32.const 64) "error \1b]0;pwned-error\07\1b[2J\c2\9b2J\0afake line\ff end")
  ;; the text at [ptr, ptr+len) of this module's memory, copied into a new block of Extism's memory
  (func $text (param $ptr i32) (param $len i32) (result i64)
    (local $h i64) (local $i i32)
    (local.set $h (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $h) (i64.extend_i32_u (local.get $i)))
                        (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.get $h))
  (func (export "log") (result i32)
    (call $log_error (call $text (i32.const 0) (i32.const 41)))
    (i32.const 0))
  (func (export "fail") (result i32)
    (call $error_set (call $text (i32.const 64) (i32.const 45)))
    (i32.const 1))
  (func $AAAAAAAAAAAAAAAA (result i32)
    unreachable)
  (func (export "trap") (result i32)
    (call $AAAAAAAAAAAAAAAA))
)
