# RunnelInstall.cmake - what `cmake --install` (and `make install PREFIX=...`) puts where:
#
#   bin/runnel                                   the command
#   lib/librunnel-LAYER.{a,so}, lib/librunnel.*  the libraries (cmake/RunnelLibraries.cmake)
#   include/runnel/*.h                           the public headers (runnel/extism.h among them)
#   lib/pkgconfig/runnel-LAYER.pc, runnel.pc     pkg-config, each with its own dependencies
#   lib/cmake/runnel/                            find_package(runnel): runnel::LAYER, runnel::LAYER_static
#   share/man/man1/runnel.1, runnel-SUB.1        man pages made from `runnel help SUB` at build time
#
# The pkg-config files locate the prefix from their own place (${pcfiledir}) and the CMake package is
# relocatable, so a tree installed with `cmake --install --prefix P` (or moved) works wherever it is.
include(CMakePackageConfigHelpers)

install(TARGETS ${RUNNEL_EXPORTED_TARGETS} EXPORT runnelTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY "${CMAKE_SOURCE_DIR}/include/runnel" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET runnel_cli)
  install(TARGETS runnel_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# ---------------------------------------------------------------- pkg-config
file(RELATIVE_PATH RUNNEL_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" RUNNEL_PC_TO_PREFIX "${RUNNEL_PC_TO_PREFIX}")
set(RUNNEL_PC_DIR "${CMAKE_BINARY_DIR}/pkgconfig")

# runnel_pc_deps(LIST OUT_REQ OUT_LIBS): a CMake link list (targets, library names) in pkg-config terms
function(runnel_pc_deps list out_req out_libs)
  set(req "")
  set(libs "")
  foreach(item ${list})
    if(item STREQUAL "PkgConfig::JANSSON")
      list(APPEND req jansson)
    elseif(item STREQUAL "PkgConfig::SQLITE")
      list(APPEND req sqlite3)
    elseif(item STREQUAL "PkgConfig::LWS")
      list(APPEND req libwebsockets)
    elseif(item STREQUAL "Threads::Threads")
      list(APPEND libs -pthread)
    elseif(item MATCHES "^runnel_(.*)$")
      list(APPEND req runnel-${CMAKE_MATCH_1})
    elseif(NOT item STREQUAL "")
      list(APPEND libs -l${item})
    endif()
  endforeach()
  list(JOIN req ", " req)
  list(JOIN libs " " libs)
  set(${out_req} "${req}" PARENT_SCOPE)
  set(${out_libs} "${libs}" PARENT_SCOPE)
endfunction()

# runnel_pc(NAME DESC LIB PUBLIC_DEPS PRIVATE_DEPS): write NAME.pc for -lLIB
function(runnel_pc name desc lib public private)
  runnel_pc_deps("${public}" PC_REQUIRES PC_LIBS_PUBLIC)
  runnel_pc_deps("${private}" PC_REQUIRES_PRIVATE PC_LIBS_PRIVATE)
  set(PC_NAME ${name})
  set(PC_DESC "${desc}")
  set(PC_LIBS "-L\${libdir} -l${lib} ${PC_LIBS_PUBLIC}")
  string(STRIP "${PC_LIBS}" PC_LIBS)
  configure_file("${CMAKE_SOURCE_DIR}/cmake/runnel.pc.in" "${RUNNEL_PC_DIR}/${name}.pc" @ONLY)
  install(FILES "${RUNNEL_PC_DIR}/${name}.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

foreach(layer ${RUNNEL_LAYERS})
  set(pub "")
  set(priv "")
  set(scope PUBLIC)
  foreach(word ${RUNNEL_${layer}_USES} ${RUNNEL_${layer}_LIBS})
    if(word STREQUAL "PUBLIC" OR word STREQUAL "PRIVATE")
      set(scope ${word})
    elseif(scope STREQUAL "PUBLIC" AND word MATCHES "::")
      list(APPEND pub ${word})
    elseif(scope STREQUAL "PUBLIC" AND NOT word MATCHES "::")
      list(APPEND pub runnel_${word})
    elseif(word MATCHES "::" OR word IN_LIST RUNNEL_M_LIB OR word IN_LIST CMAKE_DL_LIBS)
      list(APPEND priv ${word})
    else()
      list(APPEND priv runnel_${word})
    endif()
  endforeach()
  runnel_pc(runnel-${layer} "${RUNNEL_${layer}_DESC}" runnel-${layer} "${pub}" "${priv}")
endforeach()
runnel_pc(runnel "runnel, every layer in one library (engine, wasi, plugin, actor, graph, serve)" runnel
          "PkgConfig::JANSSON" "PkgConfig::SQLITE;PkgConfig::LWS;Threads::Threads;${CMAKE_DL_LIBS};${RUNNEL_M_LIB}")

# ---------------------------------------------------------------- find_package(runnel)
set(RUNNEL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/runnel)
install(EXPORT runnelTargets NAMESPACE runnel:: DESTINATION ${RUNNEL_CMAKE_DIR})
configure_file("${CMAKE_SOURCE_DIR}/cmake/runnelConfig.cmake.in" "${CMAKE_BINARY_DIR}/runnelConfig.cmake" @ONLY)
# 0.x: a minor version may change the API, so only the same minor version matches
write_basic_package_version_file("${CMAKE_BINARY_DIR}/runnelConfigVersion.cmake" VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/runnelConfig.cmake" "${CMAKE_BINARY_DIR}/runnelConfigVersion.cmake"
        DESTINATION ${RUNNEL_CMAKE_DIR})

# ---------------------------------------------------------------- man pages
# One page per subcommand, listed where the command lists them (src/cli/main.c, RN_CLI_COMMANDS), each
# made from the command's own help text by scripts/manpage.sh, so a page cannot drift from --help.
if(TARGET runnel_cli)
  file(READ "${CMAKE_SOURCE_DIR}/src/cli/main.c" cli_main)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/cli/main.c")
  string(REGEX MATCHALL "\n    X\\([a-z]+," cli_entries "${cli_main}")
  set(RUNNEL_MAN_PAGES "${CMAKE_BINARY_DIR}/man/runnel.1")
  foreach(entry ${cli_entries})
    string(REGEX REPLACE "^\n    X\\(([a-z]+),$" "\\1" sub "${entry}")
    list(APPEND RUNNEL_MAN_PAGES "${CMAKE_BINARY_DIR}/man/runnel-${sub}.1")
  endforeach()
  add_custom_command(OUTPUT ${RUNNEL_MAN_PAGES}
                     COMMAND bash "${CMAKE_SOURCE_DIR}/scripts/manpage.sh" "$<TARGET_FILE:runnel_cli>"
                             "${CMAKE_BINARY_DIR}/man"
                     DEPENDS runnel_cli "${CMAKE_SOURCE_DIR}/scripts/manpage.sh" "${CMAKE_SOURCE_DIR}/src/cli/main.c"
                     COMMENT "Writing the man pages from runnel's help texts")
  add_custom_target(runnel_man ALL DEPENDS ${RUNNEL_MAN_PAGES})
  install(FILES ${RUNNEL_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# ---------------------------------------------------------------- libextism drop-in (optional)
# With RUNNEL_INSTALL_EXTISM_COMPAT, a program written for libextism builds unchanged: <extism.h> (the
# same file as <runnel/extism.h>), libextism.so (a link to the plugin layer's shared library) and
# extism.pc. Off by default, since it claims names that belong to Extism. The component is always
# defined, so `cmake --install BUILD --component extism_compat` adds it to an install on demand.
set(compat_all EXCLUDE_FROM_ALL)
if(RUNNEL_INSTALL_EXTISM_COMPAT)
  set(compat_all "")
endif()
file(MAKE_DIRECTORY "${CMAKE_BINARY_DIR}/compat")
file(CREATE_LINK "librunnel-plugin.so.${PROJECT_VERSION_MAJOR}" "${CMAKE_BINARY_DIR}/compat/libextism.so" SYMBOLIC)
set(PC_NAME extism)
set(PC_DESC "libextism's C API, implemented by runnel's plugin layer")
set(PC_LIBS "-L\${libdir} -lextism")
set(PC_REQUIRES "")
set(PC_REQUIRES_PRIVATE "")
set(PC_LIBS_PRIVATE "")
configure_file("${CMAKE_SOURCE_DIR}/cmake/runnel.pc.in" "${CMAKE_BINARY_DIR}/compat/extism.pc" @ONLY)
install(FILES "${CMAKE_SOURCE_DIR}/include/runnel/extism.h" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT extism_compat ${compat_all})
install(FILES "${CMAKE_BINARY_DIR}/compat/libextism.so" DESTINATION ${CMAKE_INSTALL_LIBDIR}
        COMPONENT extism_compat ${compat_all})
install(FILES "${CMAKE_BINARY_DIR}/compat/extism.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT extism_compat ${compat_all})
