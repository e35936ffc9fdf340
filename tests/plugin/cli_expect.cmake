# cli_expect.cmake - run `runnel call ...` and check its exit code, stdout and stderr.
#
#   cmake -DCMD=<runnel;args...> -DRC=<code> [-DOUT=<exact stdout>] [-DOUT_RE=<regex>] [-DERR_RE=<regex>]
#         [-DSTDIN=<file>] [-DMAX_MS=<milliseconds>] -P cli_expect.cmake
#
# OUT is compared exactly (after removing the one newline `runnel call` prints after the output), so a
# test states the plugin's output byte for byte; OUT_RE and ERR_RE are regular expressions. MAX_MS
# bounds the wall-clock time of the whole command.
string(TIMESTAMP t0 "%s%f")
set(extra)
if(DEFINED STDIN)
  set(extra INPUT_FILE "${STDIN}")
endif()
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err ${extra})
string(TIMESTAMP t1 "%s%f")
set(fail "")
if(NOT "${rc}" STREQUAL "${RC}")
  string(APPEND fail "exit code ${rc}, want ${RC}\n")
endif()
if(DEFINED OUT)
  string(REGEX REPLACE "\n$" "" got "${out}")
  if(NOT "${got}" STREQUAL "${OUT}")
    string(APPEND fail "stdout '${got}', want '${OUT}'\n")
  endif()
endif()
if(DEFINED OUT_RE AND NOT "${out}" MATCHES "${OUT_RE}")
  string(APPEND fail "stdout '${out}' does not match '${OUT_RE}'\n")
endif()
if(DEFINED ERR_RE AND NOT "${err}" MATCHES "${ERR_RE}")
  string(APPEND fail "stderr '${err}' does not match '${ERR_RE}'\n")
endif()
if(DEFINED MAX_MS)
  math(EXPR ms "(${t1} - ${t0}) / 1000")
  if(ms GREATER MAX_MS)
    string(APPEND fail "took ${ms} ms, more than ${MAX_MS}\n")
  endif()
endif()
if(fail)
  message(FATAL_ERROR "${CMD}\n${fail}stdout: ${out}\nstderr: ${err}")
endif()
