;; init_reactor.wat - a reactor: _initialize runs once; `_start` spoils the instance, and the next call
;; must get a new one (initialised again); `bump` shows that globals persist between calls otherwise.
(module
  (global $g (mut i32) (i32.const 0))
  (global $calls (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $g (i32.add (global.get $g) (i32.const 100))))
  (func (export "_start") (global.set $g (i32.const 999)))
  (func (export "check") (result i32) (i32.sub (global.get $g) (i32.const 100)))
  (func (export "bump") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.sub (global.get $calls) (i32.const 1))))
