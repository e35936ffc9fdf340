;; A start function that never returns: --fuel and --timeout must hold during instantiation too.
(module
  (func $spin (loop $l (br $l)))
  (start $spin)
  (func (export "f") (result i32) i32.const 7))
