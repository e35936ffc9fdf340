# network.cmake - validation, the scheduler, the state file, hot reload and `runnel run GRAPH`.
#
# test_network (cmocka) runs the scheduler on graphs built in C; the rest runs the runnel command on
# the graph files in graphs/ with the example actors (examples/actors) and the test actors built here
# from plugins/tally.c. A ThreadSanitizer build of test_network runs in scripts/test.sh (its own stage).
graph_unit_test(test_network)

if(NOT TARGET runnel_cli)
  return()
endif()
set(graphs "${CMAKE_CURRENT_SOURCE_DIR}/graphs")
set(examples "${CMAKE_SOURCE_DIR}/examples/graphs")

# The format-independent CLI checks: the command line, and graphs made only of built-ins.
graph_cli_test(help_graph 0 OUT "usage: runnel graph check.*convert GRAPH --to" ARGS help graph)
graph_cli_test(help_run 0 OUT "GRAPH.json\\|GRAPH.fbp.*--state FILE.*--watch" ARGS help run)
graph_cli_test(graph_no_subcommand 2 ERR "no subcommand 'frobnicate'" ARGS graph frobnicate)
graph_cli_test(check_missing_file 2 ERR "/nonexistent/g.fbp: cannot open it" ARGS graph check /nonexistent/g.fbp)
graph_cli_test(run_missing_file 2 ERR "/nonexistent/g.json: cannot open it" ARGS run /nonexistent/g.json)
graph_cli_test(run_bad_workers 2 ERR "--workers must be 1 or more" ARGS run --workers 0 "${graphs}/cycle.fbp")
graph_cli_test(run_bad_queue 2 ERR "--queue wants a non-negative integer" ARGS run --queue x "${graphs}/cycle.fbp")
graph_cli_test(run_unknown_option 2 ERR "run: unknown option --frob" ARGS run --frob "${graphs}/cycle.fbp")
graph_cli_test(check_cycle 0 OUT "cycle.fbp: valid" ERR "cycle.fbp:3: info: node a: is on a cycle"
  ARGS graph check "${graphs}/cycle.fbp")

# Hostile graph files: multiplying and deep subgraphs, floods of findings: refused quickly, bounded output.
add_test(NAME graph_bounds COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/bounds.sh" "$<TARGET_FILE:runnel_cli>"
                                   "${CMAKE_CURRENT_BINARY_DIR}/bounds")
set_tests_properties(graph_bounds PROPERTIES LABELS graph TIMEOUT 120)

# Every Reflow graph in the shared folder loads, and its unknown components are reported by name with
# their lines (their actors are not in the shared folder: each file checks as invalid, exit 2).
set(rg "${RUNNEL_SHARED_DIR}/reflow-graphs")
if(EXISTS "${rg}/simple__processor.graph.json")
  graph_cli_test(reflow_collector 2
    ERR "collector.graph.json:10: error: node api_fetcher: unknown component ApiFetcherActor.*collector.graph.json:15: error: node data_validator: unknown component DataValidatorActor.*2 errors"
    ARGS graph check "${rg}/data__ingestion__collector.graph.json")
  graph_cli_test(reflow_transformer 2 ERR ":11: error: node cleaner: unknown component DataCleanerActor.*:16: error: node normalizer: unknown component DataNormalizerActor.*2 errors"
    ARGS graph check "${rg}/data__processing__transformer.graph.json")
  graph_cli_test(reflow_trainer 2 ERR "node feature_engineer: unknown component FeatureEngineerActor.*node model_trainer: unknown component ModelTrainerActor.*2 errors"
    ARGS graph check "${rg}/ml__training__trainer.graph.json")
  graph_cli_test(reflow_monitor 2 ERR "MetricsCollectorActor.*AnomalyDetectorActor.*AlertManagerActor.*3 errors"
    ARGS graph check "${rg}/monitoring__system_monitor.graph.json")
  graph_cli_test(reflow_generator 2 ERR ":10: error: node data_gen: unknown component SimpleTimerActor.*1 error:"
    ARGS graph check "${rg}/simple__generator.graph.json")
  graph_cli_test(reflow_processor 2 ERR ":11: error: node transformer: unknown component SimpleLoggerActor.*1 error:"
    ARGS graph check "${rg}/simple__processor.graph.json")
endif()

if(NOT RUNNEL_WASI_CLANG_WORKS OR NOT COMMAND runnel_actor_module)
  message(STATUS "tests/graph: no clang for wasm32-wasi; the graph tests with wasm actors are skipped")
  return()
endif()

runnel_actor_module(tally SOURCES plugins/tally.c)
runnel_actor_module(tally_x10 SOURCES plugins/tally.c FLAGS -DFACTOR=10)
runnel_actor_module(tally_renamed SOURCES plugins/tally.c FLAGS -DIN_PORT="amount")
runnel_actor_module(picky SOURCES plugins/tally.c FLAGS -DPICKY)
set(ex "${RUNNEL_ACTOR_EXAMPLES_DIR}")
set(tp "${CMAKE_CURRENT_BINARY_DIR}")
set(comps --components "${ex}" --components "${tp}")

# Validation: every kind of mistake, all reported at once, each with its line, node and port.
set(bad "${graphs}/bad_all.fbp")
graph_cli_test(check_unknown_component 2 ERR "bad_all.fbp:2: error: node ghost: unknown component NoSuchComponent: not a built-in, and no NoSuchComponent.wasm"
  ARGS graph check ${comps} "${bad}")
graph_cli_test(check_unknown_outport 2 ERR "bad_all.fbp:3: error: node double, port nope: my_actor has no out-port named nope \\(its out-ports: output\\)"
  ARGS graph check ${comps} "${bad}")
graph_cli_test(check_type_mismatch 2 ERR "bad_all.fbp:4: error: node other, port value: type mismatch: double.error sends Error, but other.value takes Integer"
  ARGS graph check ${comps} "${bad}")
graph_cli_test(check_bad_iip 2 ERR "bad_all.fbp:5: error: node double, port input: the IIP \"hello\" does not fit the port \\(Integer\\)"
  ARGS graph check ${comps} "${bad}")
graph_cli_test(check_bad_config 2 ERR "bad_all.fbp:6: error: node m: Multiplier: the node's config does not match its config_schema: config.factor: expected a number, got a string"
  ARGS graph check ${comps} "${bad}")
graph_cli_test(check_required_port 2 ERR "bad_all.fbp:7: error: node lonely, port value: required in-port value has no connection"
  ARGS graph check ${comps} "${bad}")
graph_cli_test(check_unknown_inport 2 ERR "bad_all.fbp:8: error: node count, port wrong: counter has no in-port named wrong \\(its in-ports: increment, decrement, reset\\)"
  ARGS graph check ${comps} "${bad}")
# (m's required in-port value is unconnected too: eight errors in all, in the order of their lines)
graph_cli_test(check_error_count 2 ERR ":2: error.*:3: error.*:4: error.*:5: error.*:6: error.*:6: error.*:7: error.*:8: error.*runnel: 8 errors: the graph does not validate$"
  ARGS graph check ${comps} "${bad}")
graph_cli_test(run_invalid_graph 2 OUT "^$" ERR "8 errors: the graph does not run" ARGS run ${comps} "${bad}")

# Subgraphs: a .fbp file beside the graph is a component; its nodes are inlined as PARENT/CHILD.
graph_cli_test(subgraph_runs 0 OUT "^{\"port\":\"out\",\"message\":{\"type\":\"Integer\",\"data\":48}}$"
  ARGS run --quiet ${comps} "${graphs}/sub_parent.fbp" --input "${graphs}/three.jsonl")
graph_cli_test(subgraph_check 0 OUT "sub_parent.fbp: valid" ARGS graph check ${comps} "${graphs}/sub_parent.fbp")
graph_cli_test(subgraph_self 2 ERR "self_loop.fbp:3: error: node me: subgraph self_loop includes itself"
  ARGS graph check ${comps} "${graphs}/self_loop.fbp")

# --trace: one JSON line per delivered message; SIGTERM: input stops, queues drain, exit 0.
add_test(NAME graph_trace_and_signal
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/trace_signal.sh" "$<TARGET_FILE:runnel_cli>" "${graphs}"
                 "${CMAKE_CURRENT_BINARY_DIR}/trace_signal" "${ex}" "${tp}")
set_tests_properties(graph_trace_and_signal PROPERTIES LABELS graph TIMEOUT 120)

# The examples: the same pipeline in three formats gives the same output.
add_test(NAME graph_examples_three_formats
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/examples_agree.sh" "$<TARGET_FILE:runnel_cli>" "${examples}" "${ex}")
set_tests_properties(graph_examples_three_formats PROPERTIES LABELS graph TIMEOUT 120)

# --compiled (and RUNNEL_COMPILE=1): every component compiled to native code, the same output (as a
# multiset of lines: the fan-in interleaves), errors and exit code (tests/cli/compiled_same.sh; a
# compile cache of its own under the build directory); picky.fbp's node traps on a third of its input.
add_test(NAME graph_cli_compiled_pipeline
         COMMAND bash "${CMAKE_SOURCE_DIR}/tests/cli/compiled_same.sh" "$<TARGET_FILE:runnel_cli>"
                 "${CMAKE_CURRENT_BINARY_DIR}/compiled/pipeline" --sort --stdin "${examples}/input.jsonl" --
                 run --quiet --components "${ex}" "${examples}/pipeline.fbp")
add_test(NAME graph_cli_compiled_picky
         COMMAND bash "${CMAKE_SOURCE_DIR}/tests/cli/compiled_same.sh" "$<TARGET_FILE:runnel_cli>"
                 "${CMAKE_CURRENT_BINARY_DIR}/compiled/picky" --stdin "${graphs}/one_to_thirty.jsonl" --
                 run --quiet ${comps} "${graphs}/picky.fbp")
set_tests_properties(graph_cli_compiled_pipeline graph_cli_compiled_picky
                     PROPERTIES LABELS graph TIMEOUT 600 PASS_REGULAR_EXPRESSION "PASS")

# A node that traps on some inputs: the rest flow on, the failures are counted, exit status 1.
# The sums: 1, 3, 7, ... up to 300, the sum of 1..30 without the multiples of 3 (each trapped).
graph_cli_test(run_picky 1
  OUT "^{\"port\":\"total\",\"message\":{\"type\":\"Integer\",\"data\":1}}\n{\"port\":\"total\",\"message\":{\"type\":\"Integer\",\"data\":3}}\n.*{\"port\":\"total\",\"message\":{\"type\":\"Integer\",\"data\":300}}$"
  ERR "^runnel: node picky: process trapped: unreachable\n  at runnel__export_process \\(offset 0x[0-9a-f]+\\)\n.*runnel: 10 calls failed$"
  ARGS run --quiet ${comps} "${graphs}/picky.fbp" --input "${graphs}/one_to_thirty.jsonl")

# Per-node limits from node metadata: a node that loops is stopped at its timeout_ms, one that grows at
# its memory_limit_mb; the Errors leave through their error ports. (misbehave.wasm is tests/actor's.)
graph_cli_test(run_node_limits 1
  OUT "process timed out: it ran longer than the actor's limit of 150 ms.*out of memory|out of memory.*process timed out: it ran longer than the actor's limit of 150 ms"
  ERR "runnel: 2 calls failed" ARGS run --quiet ${comps} --components "${CMAKE_BINARY_DIR}/tests/actor" "${graphs}/limits.fbp")

# --max-depth reaches every node's engine: a 500-call recursion passes by default and traps under 100.
graph_cli_test(run_recurse 0 OUT "^{\"port\":\"out\",\"message\":{\"type\":\"Integer\",\"data\":500}}$"
  ARGS run --quiet ${comps} --components "${CMAKE_BINARY_DIR}/tests/actor" "${graphs}/deep.fbp")
graph_cli_test(run_max_depth 1 ERR "node deep: process trapped: call stack exhausted"
  ARGS run --quiet ${comps} --components "${CMAKE_BINARY_DIR}/tests/actor" --max-depth 100 "${graphs}/deep.fbp")

# kill -9 at random moments with --state, five times, then a run to the end: exact state and counts.
add_test(NAME graph_kill_restart
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/kill_restart.sh" "$<TARGET_FILE:runnel_cli>" "${graphs}/tally.fbp"
                 "${CMAKE_CURRENT_BINARY_DIR}/kill_restart" "${ex}" "${tp}")
set_tests_properties(graph_kill_restart PROPERTIES LABELS graph TIMEOUT 600)

# --state FILE that is not a runnel state database (text, another SQLite database) is refused untouched;
# the mode is kept; a symbolic link is followed, one to nothing refused.
add_test(NAME graph_state_file
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/state_file.sh" "$<TARGET_FILE:runnel_cli>" "${graphs}/tally.fbp"
                 "${CMAKE_CURRENT_BINARY_DIR}/state_file" "${ex}" "${tp}")
set_tests_properties(graph_state_file PROPERTIES LABELS graph TIMEOUT 120)

# Hot reload with --watch.
add_test(NAME graph_hot_reload
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/hot_reload.sh" "$<TARGET_FILE:runnel_cli>" "${graphs}" "${tp}"
                 "${CMAKE_CURRENT_BINARY_DIR}/hot_reload")
set_tests_properties(graph_hot_reload PROPERTIES LABELS graph TIMEOUT 120)
# ... the same with every component compiled (RUNNEL_COMPILE=1), the reloaded one too
add_test(NAME graph_hot_reload_compiled
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/hot_reload_compiled.sh" "$<TARGET_FILE:runnel_cli>" "${graphs}"
                 "${tp}" "${CMAKE_CURRENT_BINARY_DIR}/hot_reload_compiled")
set_tests_properties(graph_hot_reload_compiled PROPERTIES LABELS graph TIMEOUT 600 PASS_REGULAR_EXPRESSION "PASS")
