# RunnelLibraries.cmake - the libraries: one per layer, each static and shared, and the union librunnel.
#
# Why it is shaped like this:
# - One OBJECT library per layer (src/<layer>/*.c, found by a glob, so adding a file needs no CMake edit).
#   Every source compiles once, position-independent, with -fvisibility=hidden; the static and shared
#   libraries of a layer and the union librunnel are all made from these objects.
# - Only what include/runnel/*.h marks RUNNEL_API (runnel/export.h) is exported by a shared library. The
#   layers also share internal helpers (src/engine/util.c and fileio.c: rn_fail, rn_format, rn_read_file,
#   ...). Those two files are "support objects": they have no public function, and a private copy of them
#   is linked into every shared library, so no rn_ name ever crosses a shared library's boundary (and
#   none can become an ABI by accident). Static libraries carry them once, in librunnel-engine.a. So the
#   support objects must keep no state (each library would have its own copy of it): a helper with
#   state (the engine's allocator hook, say) stays in one layer, and a layer above that needs it calls
#   a public function. Shared libraries link with --no-undefined, so a layer calling another layer's
#   hidden rn_ function fails the build instead of the embedder's program.
# - A layer's shared library links the shared libraries of the layers it calls; its static library names
#   their static libraries, so a static link pulls in the whole stack in order.
# - Outside dependencies per layer, checked against each layer's #includes and undefined symbols: the engine
#   needs libc and libm only (no threads: its atomics are compiler built-ins); wasi nothing more; plugin
#   jansson, libdl (libcurl is opened at first use) and threads; actor jansson (public: actor_json.h) and libm;
#   graph SQLite, threads and libm; serve libwebsockets and threads. (gcc inlines trunc and the like where
#   clang calls libm: a clang build with --no-undefined is what found libm missing from actor.)
# - The CLI and the tests link the static union `runnel` (or `runnel_internal`), which sees hidden
#   symbols, so nothing there changed.
include(GNUInstallDirs)

set(RUNNEL_LAYERS engine wasi plugin actor graph serve)
# the layers each one calls directly, and whether its public header exposes them (PUBLIC) or not
set(RUNNEL_engine_USES "")
set(RUNNEL_wasi_USES PUBLIC engine)
set(RUNNEL_plugin_USES PUBLIC engine PRIVATE wasi)
set(RUNNEL_actor_USES PUBLIC engine PRIVATE plugin)
set(RUNNEL_graph_USES PUBLIC actor engine)
set(RUNNEL_serve_USES PUBLIC graph actor engine)
# outside dependencies: CMake targets/names, and the same as pkg-config modules and flags
set(RUNNEL_M_LIB "")
if(MATH_LIBRARY)
  set(RUNNEL_M_LIB m)
endif()
set(RUNNEL_engine_LIBS PRIVATE ${RUNNEL_M_LIB})
set(RUNNEL_wasi_LIBS "")
set(RUNNEL_plugin_LIBS PRIVATE PkgConfig::JANSSON Threads::Threads ${CMAKE_DL_LIBS})
set(RUNNEL_actor_LIBS PUBLIC PkgConfig::JANSSON PRIVATE ${RUNNEL_M_LIB})
set(RUNNEL_graph_LIBS PRIVATE PkgConfig::JANSSON PkgConfig::SQLITE Threads::Threads ${RUNNEL_M_LIB})
set(RUNNEL_serve_LIBS PRIVATE PkgConfig::JANSSON PkgConfig::LWS Threads::Threads)

set(RUNNEL_engine_DESC "runnel's WebAssembly engine: decode, validate, compile and run modules")
set(RUNNEL_wasi_DESC "WASI preview 1 for the runnel engine, capability based")
set(RUNNEL_plugin_DESC "runnel's Extism-compatible plugin host (runnel/plugin.h, runnel/extism.h)")
set(RUNNEL_actor_DESC "runnel's Reflow actors: messages, state, metadata")
set(RUNNEL_graph_DESC "runnel's flow-based graphs: formats, validation, scheduler, SQLite state")
set(RUNNEL_serve_DESC "runnel's FBP Network Protocol server over WebSocket")

set(RUNNEL_SUPPORT_SOURCES "${CMAKE_SOURCE_DIR}/src/engine/util.c" "${CMAKE_SOURCE_DIR}/src/engine/fileio.c"
                           "${CMAKE_SOURCE_DIR}/src/engine/sha256.c")

# Shared libraries must resolve every symbol when linked (a missing rn_ helper fails the build, not the
# embedder's program). Not under the sanitizers: their runtime is linked into executables only.
set(RUNNEL_NO_UNDEFINED "")
if(NOT RUNNEL_SANITIZE AND NOT RUNNEL_TSAN AND NOT RUNNEL_FUZZ)
  set(RUNNEL_NO_UNDEFINED "LINKER:--no-undefined")
endif()

function(runnel_objects_setup target)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  target_include_directories(${target} PUBLIC "${CMAKE_SOURCE_DIR}/include" PRIVATE "${CMAKE_SOURCE_DIR}/src/engine")
endfunction()

# The headers compiled code is written against, as one string for translate.c (cmake/RunnelEmbed.cmake).
set(RUNNEL_NATIVE_HEADERS "${CMAKE_SOURCE_DIR}/include/runnel/engine.h"
    "${CMAKE_SOURCE_DIR}/src/engine/insn.h" "${CMAKE_SOURCE_DIR}/src/engine/numeric.h"
    "${CMAKE_SOURCE_DIR}/src/engine/native_abi.h")
set(RUNNEL_NATIVE_PREAMBLE "${CMAKE_BINARY_DIR}/generated/native_preamble.c")
# what else decides the C that is written: a change to any of these gives new cache keys
set(RUNNEL_NATIVE_ID_SOURCES "${CMAKE_SOURCE_DIR}/src/engine/translate.c" "${CMAKE_SOURCE_DIR}/src/engine/insn_read.c"
    "${CMAKE_SOURCE_DIR}/src/engine/simd_insn.h" "${CMAKE_SOURCE_DIR}/src/engine/code.h")
add_custom_command(OUTPUT "${RUNNEL_NATIVE_PREAMBLE}"
                   COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_BINARY_DIR}/generated"
                   COMMAND ${CMAKE_COMMAND} -DOUT=${RUNNEL_NATIVE_PREAMBLE} "-DHEADERS=${RUNNEL_NATIVE_HEADERS}"
                           "-DIDS=${RUNNEL_NATIVE_ID_SOURCES}" -P "${CMAKE_SOURCE_DIR}/cmake/RunnelEmbed.cmake"
                   DEPENDS ${RUNNEL_NATIVE_HEADERS} ${RUNNEL_NATIVE_ID_SOURCES}
                           "${CMAKE_SOURCE_DIR}/cmake/RunnelEmbed.cmake" VERBATIM)
# for targets in other directories that compile the engine's sources themselves (spec/all-switch)
add_custom_target(runnel_native_preamble DEPENDS "${RUNNEL_NATIVE_PREAMBLE}")

add_library(runnel_support_objects OBJECT ${RUNNEL_SUPPORT_SOURCES})
runnel_objects_setup(runnel_support_objects)

set(RUNNEL_ALL_OBJECTS $<TARGET_OBJECTS:runnel_support_objects>)
set(RUNNEL_EXPORTED_TARGETS "")
foreach(layer ${RUNNEL_LAYERS})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/${layer}/*.c")
  list(REMOVE_ITEM srcs ${RUNNEL_SUPPORT_SOURCES})
  if(layer STREQUAL "engine")
    list(APPEND srcs "${RUNNEL_NATIVE_PREAMBLE}")
  endif()
  add_library(runnel_${layer}_objects OBJECT ${srcs})
  runnel_objects_setup(runnel_${layer}_objects)
  # the objects see the outside headers their layer needs (jansson, sqlite3, ...), whatever the scope
  set(ext_targets ${RUNNEL_${layer}_LIBS})
  list(FILTER ext_targets INCLUDE REGEX "::")
  target_link_libraries(runnel_${layer}_objects PRIVATE ${ext_targets})
  list(APPEND RUNNEL_ALL_OBJECTS $<TARGET_OBJECTS:runnel_${layer}_objects>)

  set(static_objs $<TARGET_OBJECTS:runnel_${layer}_objects>)
  if(layer STREQUAL "engine")
    list(APPEND static_objs $<TARGET_OBJECTS:runnel_support_objects>)
  endif()
  add_library(runnel_${layer} STATIC ${static_objs})
  add_library(runnel_${layer}_shared SHARED $<TARGET_OBJECTS:runnel_${layer}_objects>
                                            $<TARGET_OBJECTS:runnel_support_objects>)
  set_target_properties(runnel_${layer} PROPERTIES OUTPUT_NAME runnel-${layer} EXPORT_NAME ${layer}_static)
  # $ORIGIN: an installed library finds the lower layers' libraries next to itself, wherever the prefix.
  set_target_properties(runnel_${layer}_shared PROPERTIES OUTPUT_NAME runnel-${layer} EXPORT_NAME ${layer}
                        VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR} INSTALL_RPATH "\$ORIGIN")
  target_link_options(runnel_${layer}_shared PRIVATE ${RUNNEL_NO_UNDEFINED})
  foreach(kind "" _shared)
    target_include_directories(runnel_${layer}${kind} PUBLIC $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                                                             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    set(scope PUBLIC)
    foreach(word ${RUNNEL_${layer}_USES})
      if(word STREQUAL "PUBLIC" OR word STREQUAL "PRIVATE")
        set(scope ${word})
      else()
        target_link_libraries(runnel_${layer}${kind} ${scope} runnel_${word}${kind})
      endif()
    endforeach()
    if(RUNNEL_${layer}_LIBS)
      target_link_libraries(runnel_${layer}${kind} ${RUNNEL_${layer}_LIBS})
    endif()
  endforeach()
  add_library(runnel::${layer} ALIAS runnel_${layer}_shared)
  add_library(runnel::${layer}_static ALIAS runnel_${layer})
  list(APPEND RUNNEL_EXPORTED_TARGETS runnel_${layer} runnel_${layer}_shared)
endforeach()

# The exec.c interpreter loop: GCC would turn the zeroing of a callee's locals into a call to memset and
# spill registers around it on every wasm call; a plain loop over a few slots is faster.
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  set_source_files_properties("${CMAKE_SOURCE_DIR}/src/engine/exec.c" PROPERTIES
                              COMPILE_OPTIONS "-fno-tree-loop-distribute-patterns")
endif()
# libcurl: only its headers at build time; src/plugin/curl_loader.c opens it on the first HTTP use
target_include_directories(runnel_plugin_objects PRIVATE ${CURL_INCLUDE_DIRS})

# The union, librunnel (.a and .so): every layer in one library, for convenience; the command and the
# tests link its static form.
set(RUNNEL_LINK_LIBS PkgConfig::JANSSON PkgConfig::SQLITE PkgConfig::LWS Threads::Threads ${CMAKE_DL_LIBS}
                     ${RUNNEL_M_LIB})
add_library(runnel STATIC ${RUNNEL_ALL_OBJECTS})
add_library(runnel_shared SHARED ${RUNNEL_ALL_OBJECTS})
set_target_properties(runnel PROPERTIES EXPORT_NAME runnel_static)
set_target_properties(runnel_shared PROPERTIES OUTPUT_NAME runnel EXPORT_NAME runnel VERSION ${PROJECT_VERSION}
                                                SOVERSION ${PROJECT_VERSION_MAJOR})
target_link_options(runnel_shared PRIVATE ${RUNNEL_NO_UNDEFINED})
foreach(lib runnel runnel_shared)
  target_include_directories(${lib} PUBLIC $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include>
                                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${lib} PUBLIC ${RUNNEL_LINK_LIBS})
endforeach()
add_library(runnel::runnel ALIAS runnel_shared)
add_library(runnel::runnel_static ALIAS runnel)
list(APPEND RUNNEL_EXPORTED_TARGETS runnel runnel_shared)

# Tests and tools that look inside the engine link this instead of runnel: the library plus the internal
# headers of src/engine (module.h, insn.h, ...).
add_library(runnel_internal INTERFACE)
target_link_libraries(runnel_internal INTERFACE runnel)
target_include_directories(runnel_internal INTERFACE "${CMAKE_SOURCE_DIR}/src/engine")
