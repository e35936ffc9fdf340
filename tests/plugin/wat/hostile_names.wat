;; hostile_names.wat - a module without imports (so `runnel run` takes it) whose trapping function's
;; name becomes terminal control sequences: hostile_text.sh rewrites AAAAAAAAAAAAAAAA in the name section.
(module
  (func $AAAAAAAAAAAAAAAA (result i32)
    unreachable)
  (func (export "trap") (result i32)
    (call $AAAAAAAAAAAAAAAA))
)
