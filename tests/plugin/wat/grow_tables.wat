;; grow_tables.wat - a plugin that grows four tables by 100000 elements at a time until table.grow
;; fails, so that their host memory (8 bytes an element) is what it makes the host spend. Returns the
;; number of successful grows (its output is not used: a memory limit stops the call).
(module
  (table $t0 0 funcref)
  (table $t1 0 funcref)
  (table $t2 0 funcref)
  (table $t3 0 funcref)
  (memory (export "memory") 1)
  (func (export "grow_tables") (result i32)
    (local $n i32)
    (block $full
      (loop $more
        (br_if $full (i32.eq (table.grow $t0 (ref.null func) (i32.const 100000)) (i32.const -1)))
        (br_if $full (i32.eq (table.grow $t1 (ref.null func) (i32.const 100000)) (i32.const -1)))
        (br_if $full (i32.eq (table.grow $t2 (ref.null func) (i32.const 100000)) (i32.const -1)))
        (br_if $full (i32.eq (table.grow $t3 (ref.null func) (i32.const 100000)) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 4)))
        (br $more)))
    (i32.const 0)))
