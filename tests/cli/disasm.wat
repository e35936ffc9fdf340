;; runnel disasm (tests/cli): a recursive function whose comparison fuses with its `if`, a loop over memory,
;; and two SIMD instructions; also embedded in tests/unit/test_disasm.c.
(module
  (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.lt_s
    if (result i32)
      local.get 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $fib
      local.get 0
      i32.const 2
      i32.sub
      call $fib
      i32.add
    end)
  (func (export "sum") (param i32 i32) (result i32) (local i32)
    block
      loop
        local.get 1
        i32.eqz
        br_if 1
        local.get 2
        local.get 0
        i32.load offset=4
        i32.add
        local.set 2
        local.get 0
        i32.const 4
        i32.add
        local.set 0
        local.get 1
        i32.const 1
        i32.sub
        local.set 1
        br 0
      end
    end
    local.get 2
    v128.const i32x4 1 2 3 4
    i32x4.extract_lane 2
    i32.add))
