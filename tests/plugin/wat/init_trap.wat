;; init_trap.wat - an initialiser that traps: every call fails, naming the initialiser.
(module
  (func (export "_initialize") unreachable)
  (func (export "check") (result i32) (i32.const 0)))
