;; simd_add.wat - v128 arguments and results through `runnel run --invoke` (tests/cli/CMakeLists.txt)
(module
  (func (export "add") (param v128 v128) (result v128)
    local.get 0
    local.get 1
    i32x4.add))
