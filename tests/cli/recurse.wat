;; recurse.wat - a deep recursion, to test the call-depth limit (--max-depth) at its exact edge.
;; depth(n) calls itself n times and returns n: n + 1 nested calls. deep50 (for `runnel call`, whose
;; functions take no arguments) is depth(49) under one more frame: 51 nested calls, and returns 0.
(module
  (func $depth (export "depth") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "deep50") (result i32)
    (drop (call $depth (i32.const 49)))
    (i32.const 0)))
