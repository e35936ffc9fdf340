# RunnelWasm.cmake - the one way this project builds C to WebAssembly (examples, test guests and plugins).
#
# Why a helper, and why two steps: clang's driver, when it links for wasm32 with an optimisation level
# above -O0 on its command line, runs binaryen's `wasm-opt` over the output if a `wasm-opt` is on PATH
# (clang 14 does; `clang -### --target=wasm32 -O2 x.c` shows it). So the same sources gave different
# modules on machines with and without binaryen installed: wasm-opt inlines functions marked noinline
# (the frames a backtrace test expects disappear) and rewrites the code the tests measure. Every module
# is therefore compiled with `clang -c -O2` (the optimisation happens there) and linked by a second clang
# command that has no -O option, which makes the driver call wasm-ld and nothing else. The result
# depends only on clang and the sources, never on what else is installed.
#
# The kinds of module (KIND):
#   bare      no libc, no entry point: a plain module that exports what its sources mark export_name
#   reactor   wasm32-wasi with wasi-libc, -mexec-model=reactor (_initialize, no main): actor plugins
#   command   wasm32-wasi with wasi-libc and main (_start): WASI programs
#
# runnel_wasm_build(OUT file KIND kind SOURCES abs.c... [FLAGS ...] [DEPENDS ...] [COMMENT text])
#   adds the custom command that builds OUT. FLAGS starting with -Wl, go to the link, all others to
#   the compiles (-D, -I, ...).
# runnel_wasm_try(RESULT_VAR ERROR_VAR KIND kind SOURCE_VAR var [FLAGS ...])
#   builds a probe from the C text in the variable var (a variable, as C's semicolons would split an
#   argument into a list) now (configure time, or a script run with cmake -P) with the very same
#   commands, setting RESULT_VAR to TRUE or FALSE and ERROR_VAR to clang's complaint.
include_guard(GLOBAL)

find_program(RUNNEL_WASM_CLANG NAMES clang clang-14 DOC "clang with a wasm32 target, for the WebAssembly modules")

# _runnel_wasm_steps(PREFIX KIND OUT OBJDIR SOURCES FLAGS): sets PREFIX_count and PREFIX_<i> (one command
# each, in order: the compiles, then the link) and PREFIX_objects in the caller's scope.
function(_runnel_wasm_steps prefix kind out objdir sources flags)
  if(kind STREQUAL "bare")
    set(target --target=wasm32)
    set(link_kind -nostdlib -Wl,--no-entry)
  elseif(kind STREQUAL "reactor")
    set(target --target=wasm32-wasi)
    set(link_kind -mexec-model=reactor)
  elseif(kind STREQUAL "command")
    set(target --target=wasm32-wasi)
    set(link_kind)
  else()
    message(FATAL_ERROR "runnel_wasm: unknown KIND '${kind}' (bare, reactor or command)")
  endif()
  set(cflags)
  set(lflags)
  foreach(f ${flags})
    if(f MATCHES "^-Wl,")
      list(APPEND lflags "${f}")
    else()
      list(APPEND cflags "${f}")
    endif()
  endforeach()
  set(i 0)
  set(objects)
  foreach(src ${sources})
    get_filename_component(base "${src}" NAME_WE)
    set(obj "${objdir}/${i}_${base}.o")
    set(${prefix}_${i} "${RUNNEL_WASM_CLANG}" ${target} -O2 -Wall -Wextra ${cflags} -c -o "${obj}" "${src}"
        PARENT_SCOPE)
    list(APPEND objects "${obj}")
    math(EXPR i "${i} + 1")
  endforeach()
  # The link: deliberately no -O option here (see the top of this file).
  set(${prefix}_${i} "${RUNNEL_WASM_CLANG}" ${target} ${link_kind} ${lflags} -o "${out}" ${objects} PARENT_SCOPE)
  math(EXPR i "${i} + 1")
  set(${prefix}_count ${i} PARENT_SCOPE)
  set(${prefix}_objects ${objects} PARENT_SCOPE)
endfunction()

# (the modules depend on this file too, so a change of the commands here rebuilds them)
set(_RUNNEL_WASM_HELPER "${CMAKE_CURRENT_LIST_FILE}")

function(runnel_wasm_build)
  cmake_parse_arguments(W "" "OUT;KIND;COMMENT" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  get_filename_component(name "${W_OUT}" NAME)
  set(objdir "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${name}.dir")
  file(MAKE_DIRECTORY "${objdir}")
  _runnel_wasm_steps(step "${W_KIND}" "${W_OUT}" "${objdir}" "${W_SOURCES}" "${W_FLAGS}")
  set(commands)
  math(EXPR last "${step_count} - 1")
  foreach(i RANGE ${last})
    list(APPEND commands COMMAND ${step_${i}})
  endforeach()
  if(NOT W_COMMENT)
    set(W_COMMENT "Building ${name}")
  endif()
  add_custom_command(OUTPUT "${W_OUT}" ${commands} DEPENDS ${W_SOURCES} ${W_DEPENDS} "${_RUNNEL_WASM_HELPER}"
                     BYPRODUCTS ${step_objects} COMMENT "${W_COMMENT}" VERBATIM)
endfunction()

function(runnel_wasm_try result_var error_var)
  cmake_parse_arguments(W "" "KIND;SOURCE_VAR" "FLAGS" ${ARGN})
  set(${result_var} FALSE PARENT_SCOPE)
  if(NOT RUNNEL_WASM_CLANG)
    set(${error_var} "no clang found" PARENT_SCOPE)
    return()
  endif()
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/runnel_wasm_try_${W_KIND}")
  file(MAKE_DIRECTORY "${dir}")
  file(WRITE "${dir}/probe.c" "${${W_SOURCE_VAR}}")
  _runnel_wasm_steps(step "${W_KIND}" "${dir}/probe.wasm" "${dir}" "${dir}/probe.c" "${W_FLAGS}")
  math(EXPR last "${step_count} - 1")
  foreach(i RANGE ${last})
    # one execute_process per step: several COMMANDs in one would run as a pipeline, all at once
    execute_process(COMMAND ${step_${i}} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      set(${error_var} "${err}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${result_var} TRUE PARENT_SCOPE)
  set(${error_var} "" PARENT_SCOPE)
endfunction()
