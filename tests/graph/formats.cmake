# formats.cmake - Reflow's and NoFlo's graph JSON (src/graph/graph_json.c): reading, writing, round trips
# within and across the formats, line numbers, errors, the shared Reflow graphs ($RUNNEL_SHARED, which
# ctest sets; the program exits 77, a skip, when it is absent) and truncated and mangled documents (run
# under the sanitizers in CI).
graph_unit_test(test_formats)
set_tests_properties(graph_test_formats PROPERTIES SKIP_RETURN_CODE 77)
