;; init_ctors.wat - __wasm_call_ctors and _initialize: only __wasm_call_ctors runs (Extism's choice).
(module
  (global $g (mut i32) (i32.const 0))
  (func (export "__wasm_call_ctors") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "_initialize") (global.set $g (i32.add (global.get $g) (i32.const 100))))
  (func (export "check") (result i32) (i32.sub (global.get $g) (i32.const 1))))
