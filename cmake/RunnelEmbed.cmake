# RunnelEmbed.cmake - run as `cmake -DOUT=... -DHEADERS="a;b;c" -P RunnelEmbed.cmake` at build time.
#
# Makes native_preamble.c: the headers that compiled code is written against (native_abi.h, insn.h,
# numeric.h, and of the public engine.h only what they need from it: the trap kinds), concatenated in
# order with their #include "..." lines of runnel's own headers removed, as one C string,
# rn_native_preamble. Kept small: every translation unit of every module starts with it. translate.c puts it at the top
# of every translation unit, so the C it writes compiles with nothing from runnel's source tree.
# Also rn_native_translator_id: the SHA-256 of those headers and of the translator's sources (IDS), part of
# every cache key, so a runnel whose translation changed never loads an artifact of an older one.
set(text "")
foreach(h ${HEADERS})
  file(READ "${h}" body)
  if(h MATCHES "engine\\.h$")
    string(REGEX MATCH "typedef enum runnel_trap_kind {[^}]*} runnel_trap_kind;" body "${body}")
    if(NOT body)
      message(FATAL_ERROR "RunnelEmbed: no runnel_trap_kind in ${h}")
    endif()
  endif()
  string(REGEX REPLACE "\n#include \"[^\"]*\"" "\n" body "${body}")
  string(APPEND text "${body}\n")
endforeach()
set(ids "")
foreach(f ${HEADERS} ${IDS})
  file(SHA256 "${f}" h)
  string(APPEND ids "${h}")
endforeach()
string(SHA256 id "${ids}")
string(HEX "${text}" hex)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "/* made by cmake/RunnelEmbed.cmake from ${HEADERS}; do not edit */\nconst char rn_native_preamble[] = {\n${bytes}0};\nconst char rn_native_translator_id[] = \"${id}\";\n")
file(RENAME "${OUT}.tmp" "${OUT}")
