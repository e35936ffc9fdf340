# fbp.cmake - the .fbp language (src/graph/fbp.c), included by tests/graph/CMakeLists.txt.
#
#   graph_test_fbp             unit tests of the reader and the writer (test_fbp.c)
#   graph_fbp_reference_setup  fixture: installs the reference parser, npm fbp 1.8.0, into the build tree
#   graph_fbp_crosscheck       every fbp/*.fbp read by the reference and by us, the same JSON; our writer's
#                              text read back by the reference; fbp/bad rejected by both. Skipped (exit 77)
#                              when npm or node is missing, never passed.
graph_unit_test(test_fbp)

set(FBP_REFERENCE_DIR "${CMAKE_CURRENT_BINARY_DIR}/fbp-reference")
add_test(NAME graph_fbp_reference_setup
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/fbp_reference.sh" "${FBP_REFERENCE_DIR}")
set_tests_properties(graph_fbp_reference_setup PROPERTIES FIXTURES_SETUP fbp_reference LABELS graph TIMEOUT 600)

# The path fbp_reference.sh prints (CTest cannot pass one test's output to another, so it is known here).
add_test(NAME graph_fbp_crosscheck
         COMMAND test_fbp --reference "${FBP_REFERENCE_DIR}/node_modules/fbp/bin/fbp")
set_tests_properties(graph_fbp_crosscheck PROPERTIES FIXTURES_REQUIRED fbp_reference SKIP_RETURN_CODE 77
                                                     LABELS graph TIMEOUT 600)
