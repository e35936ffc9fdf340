;; grow.wat - a plugin that grows memory until refused, to test memory.max_pages.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (memory (export "memory") 1)
  ;; Extism memory: 64 KiB blocks until alloc fails; returns how many it got
  (func (export "grow_extism") (result i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i64.eqz (call $alloc (i64.const 65536))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 100000)))))
    (local.get $n))
  ;; its own memory: one page at a time until memory.grow says -1; returns the pages it got
  (func (export "grow_own") (result i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 60000)))))
    (local.get $n))
  ;; its own memory: two pages at once, trapping if refused
  (func (export "grow_two") (result i32)
    (if (i32.eq (memory.grow (i32.const 2)) (i32.const -1)) (then unreachable))
    (i32.const 0))
  ;; a small Extism allocation and output: works under any limit that lets the plugin start
  (func (export "small") (result i32)
    (local $h i64)
    (local.set $h (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $h) (i32.const 0x6b))
    (call $output_set (local.get $h) (i64.const 1))
    (i32.const 0))
)
