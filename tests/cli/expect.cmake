# expect.cmake - run one command and check its exit code, stdout and stderr.
#
# CTest alone can match the combined output or only say "failed", but the CLI's contract is finer:
# results on stdout, diagnostics on stderr, and exit codes 0/1/2 that mean different things. So each
# CLI test runs this script:
#   cmake -DCMD=prog;arg;... -DRC=N [-DOUT=regex] [-DERR=regex] [-DNOT_OUT=regex] -P expect.cmake
# Regexes are CMake regexes matched anywhere (anchor with ^ and $ for whole-output matches).
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
# the final newline goes, so that "^RESULT$" matches a one-line output
string(REGEX REPLACE "\n$" "" out "${out}")
string(REGEX REPLACE "\n$" "" err "${err}")
set(ok TRUE)
if(NOT "${rc}" STREQUAL "${RC}")
  message("exit code: expected ${RC}, got ${rc}")
  set(ok FALSE)
endif()
if(DEFINED OUT AND NOT out MATCHES "${OUT}")
  message("stdout does not match: ${OUT}")
  set(ok FALSE)
endif()
if(DEFINED NOT_OUT AND out MATCHES "${NOT_OUT}")
  message("stdout matches what it must not: ${NOT_OUT}")
  set(ok FALSE)
endif()
# In a RUNNEL_SANITIZE build a sanitizer report may come with the very exit code a test expects (ASan and
# LSan exit 1), so look for the reports themselves.
if(err MATCHES "ERROR: (Address|Leak)Sanitizer|runtime error: |WARNING: ThreadSanitizer")
  message("a sanitizer reported an error")
  set(ok FALSE)
endif()
if(DEFINED ERR AND NOT err MATCHES "${ERR}")
  message("stderr does not match: ${ERR}")
  set(ok FALSE)
endif()
if(NOT ok)
  string(REPLACE ";" " " cmdline "${CMD}")
  message(FATAL_ERROR "command: ${cmdline}\n--- stdout:\n${out}--- stderr:\n${err}---")
endif()
