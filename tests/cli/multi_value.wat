;; Several results of every number type: one line each, in order.
(module
  (func (export "f") (param i64 f32) (result i32 i64 f32 f64)
    i32.const -7
    local.get 0
    local.get 1
    f64.const 0.1))
