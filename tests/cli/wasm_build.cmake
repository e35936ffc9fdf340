# wasm_build.cmake - the modules the tests use do not depend on the tools installed next to clang.
#
#   cmake -DHELPER=cmake/RunnelWasm.cmake -DDIR=scratch [-DWASI=1] -P wasm_build.cmake
#
# A fake `wasm-opt` that records each call and fails is put on PATH, so that clang finds one whether or
# not binaryen is installed (clang looks next to itself first, then on PATH). Then, for each kind of
# module, every command of cmake/RunnelWasm.cmake is shown to the driver with -### (which prints the
# sub-commands it would run): none may be wasm-opt; and the module is built for real, without calling
# the fake. A control shows the naive one-step `clang -O2` line to the driver, which on clang 14 does
# run wasm-opt: the check can see the difference.
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}/bin")
set(marker "${DIR}/wasm-opt-was-called")
file(WRITE "${DIR}/bin/wasm-opt" "#!/bin/sh\necho \"$@\" >> '${marker}'\nexit 1\n")
file(CHMOD "${DIR}/bin/wasm-opt" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
set(ENV{PATH} "${DIR}/bin:$ENV{PATH}")
set(CMAKE_CURRENT_BINARY_DIR "${DIR}")
include("${HELPER}")
if(NOT RUNNEL_WASM_CLANG)
  message(FATAL_ERROR "no clang")
endif()

set(src "__attribute__((noinline)) static int twice(int x) { return 2 * x; }
__attribute__((export_name(\"f\"))) int f(int x) { return twice(x) + 1; }
")
file(WRITE "${DIR}/control.c" "${src}")

# the sub-commands clang's driver would run for a command line (clang -### prints them, runs nothing)
function(driver_runs out_var)
  execute_process(COMMAND ${ARGN} "-###" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} -###: ${out}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

driver_runs(control "${RUNNEL_WASM_CLANG}" --target=wasm32 -O2 -nostdlib -Wl,--no-entry
            -o "${DIR}/control.wasm" "${DIR}/control.c")
if(control MATCHES "wasm-opt")
  message(STATUS "control: clang -O2 in one step runs wasm-opt")
else()
  message(STATUS "control: this clang does not run wasm-opt itself; the checks below still hold")
endif()

set(kinds bare)
if(WASI)
  list(APPEND kinds reactor command)
endif()
foreach(kind ${kinds})
  set(text "${src}")
  if(kind STREQUAL "command")
    string(APPEND text "int main(void) { return f(1) == 3 ? 0 : 1; }\n")
  endif()
  file(WRITE "${DIR}/${kind}.c" "${text}")
  _runnel_wasm_steps(step ${kind} "${DIR}/${kind}.wasm" "${DIR}" "${DIR}/${kind}.c" "")
  math(EXPR last "${step_count} - 1")
  foreach(i RANGE ${last})
    driver_runs(runs ${step_${i}})
    if(runs MATCHES "wasm-opt")
      message(FATAL_ERROR "building a ${kind} module runs wasm-opt:\n${runs}")
    endif()
  endforeach()
  runnel_wasm_try(ok err KIND ${kind} SOURCE_VAR text)
  if(NOT ok)
    message(FATAL_ERROR "building a ${kind} module failed: ${err}")
  endif()
  if(EXISTS "${marker}")
    file(READ "${marker}" calls)
    message(FATAL_ERROR "building a ${kind} module called wasm-opt from PATH: ${calls}")
  endif()
  message(STATUS "${kind}: built without running wasm-opt")
endforeach()
