;; init_haskell.wat - a module that looks like GHC's output: the host must call _initialize, then
;; hs_init(0, 0), once, before the first call. `check` returns 0 when that happened, in that order.
(module
  (global $g (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $g (i32.add (i32.mul (global.get $g) (i32.const 10)) (i32.const 1))))
  (func (export "hs_init") (param i32 i32)
    (if (i32.or (local.get 0) (local.get 1)) (then unreachable))
    (global.set $g (i32.add (i32.mul (global.get $g) (i32.const 10)) (i32.const 2))))
  (func (export "check") (result i32) (i32.sub (global.get $g) (i32.const 12))))
