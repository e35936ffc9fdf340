;; declared_tables.wat - a plugin that declares four tables of 10,000,000 elements each (the engine's
;; largest) and grows nothing: their 320 MB of host memory is taken when the module is instantiated, so
;; the memory limit must count them then, not only when table.grow runs.
(module
  (table $t0 10000000 funcref)
  (table $t1 10000000 funcref)
  (table $t2 10000000 funcref)
  (table $t3 10000000 funcref)
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    (i32.add (i32.add (table.size $t0) (table.size $t1)) (i32.add (table.size $t2) (table.size $t3)))
    drop
    (i32.const 0)))
