;; http_probe.wat - makes the HTTP request described by its input (Extism's HttpRequest JSON) and
;; outputs the response body; returns the status code, so a test sees both.
(module
  (import "extism:host/env" "http_request" (func $http_request (param i64 i64) (result i64)))
  (import "extism:host/env" "http_status_code" (func $http_status_code (result i32)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (memory 1)
  (data (i32.const 0) "posted body")
  (func $finish (param $res i64) (result i32)
    (call $output_set (local.get $res) (call $length (local.get $res)))
    (call $http_status_code))
  ;; the input is the request; no body
  (func (export "probe") (result i32)
    (call $finish (call $http_request (call $input_offset) (i64.const 0))))
  ;; the input is the request; the body is "posted body"
  (func (export "post") (result i32)
    (local $body i64) (local $i i32)
    (local.set $body (call $alloc (i64.const 11)))
    (loop $copy
      (call $store_u8 (i64.add (local.get $body) (i64.extend_i32_u (local.get $i))) (i32.load8_u (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $copy (i32.lt_u (local.get $i) (i32.const 11))))
    (call $finish (call $http_request (call $input_offset) (local.get $body))))
)
