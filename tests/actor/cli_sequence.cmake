# cli_sequence.cmake - several `runnel send` commands in a row, sharing one --state file.
#
# A single command shows one process call; what --state is for is the sequence: each call must see the
# state the previous one left. So this script runs the steps of a sequence file in order:
#   cmake -DRUNNEL=path -DPLUGIN=path -DSTATE=path -DSTEPS=file -P cli_sequence.cmake
# Each line of STEPS is: RC<TAB>REGEX<TAB>ARG<TAB>ARG...  (runnel send PLUGIN --state STATE ARG...; its
# exit code must be RC and its stdout, without its last newline, match the CMake regex REGEX, in which
# \n stands for a newline). Lines starting with # are comments. The state file is
# removed first, so the sequence starts from an empty state.
file(REMOVE "${STATE}")
file(STRINGS "${STEPS}" lines ENCODING UTF-8)
set(n 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^#" OR line STREQUAL "")
    continue()
  endif()
  math(EXPR n "${n} + 1")
  string(REPLACE "\t" ";" parts "${line}")
  list(GET parts 0 want_rc)
  list(GET parts 1 want_out)
  list(SUBLIST parts 2 -1 args)
  string(REPLACE "\\n" "\n" want_out "${want_out}") # the two characters \n in the file mean a newline
  execute_process(COMMAND "${RUNNEL}" send "${PLUGIN}" --state "${STATE}" ${args}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "\n$" "" out "${out}")
  if(err MATCHES "ERROR: (Address|Leak)Sanitizer|runtime error: ")
    message(FATAL_ERROR "step ${n} (${args}): a sanitizer reported an error:\n${err}")
  endif()
  if(NOT "${rc}" STREQUAL "${want_rc}" OR NOT out MATCHES "${want_out}")
    message(FATAL_ERROR "step ${n}: runnel send ${PLUGIN} --state ${STATE} ${args}\n"
                        "want exit ${want_rc}, stdout matching ${want_out}\n"
                        "got exit ${rc}\n--- stdout:\n${out}\n--- stderr:\n${err}")
  endif()
endforeach()
message(STATUS "${n} steps passed")
