;; alloc_loop.wat - a plugin that makes the host keep Extism blocks: 1-byte allocs, never freed.
;; alloc_forever allocates until alloc returns 0 (or the host stops the call); alloc_100k allocates
;; 100000 blocks and returns 0 if every one was given, 1 if not.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "alloc_forever") (result i32)
    (loop $more
      (br_if $more (i64.ne (call $alloc (i64.const 1)) (i64.const 0))))
    (i32.const 0))
  (func (export "alloc_100k") (result i32)
    (local $i i32)
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $i) (i32.const 100000)))
        (if (i64.eqz (call $alloc (i64.const 1)))
          (then (return (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $more)))
    (i32.const 0)))
