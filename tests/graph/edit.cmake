# edit.cmake - the live-editing calls of the graph layer (rename a node, change metadata, remove an edge,
# an IIP, an exported port), which `runnel serve` uses for the FBP protocol's graph commands
# (test_edit.c). Included by tests/graph/CMakeLists.txt.
graph_unit_test(test_edit)
