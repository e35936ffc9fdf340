/* imports.c - a module with an import nothing provides, for the "unknown import" test. */
#include <stdint.h>

__attribute__((import_module("env"), import_name("host_log"))) void host_log(int32_t);

__attribute__((export_name("hello"))) void hello(void) { host_log(42); }
