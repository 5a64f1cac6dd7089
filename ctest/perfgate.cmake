# perfgate's CTest helpers: the one way tests, fixtures and suites are registered.
#
#   perfgate_add_unit_test(NAME <name> SOURCES ... [LIBS ...])        label: unit
#   perfgate_add_integration_test(NAME <name> SOURCES ... [LIBS ...]) label: integration
#   perfgate_add_accuracy_test(NAME <name> SOURCES ... [LIBS ...])    label: accuracy
#   perfgate_add_reference_fixture()   fixture "reference": starts/stops perfgate-reference
#   perfgate_add_suite(NAME <suite> SOURCES ... LABELS <area> [FIXTURES ...] [TIMEOUT s] [EXAMPLE])
#       label: performance + <area> (EXAMPLE: <area> only, kept out of the performance run);
#       RUN_SERIAL: nothing else runs beside a suite under `ctest -j`, which would disturb its
#       figures.
#   perfgate_add_benchmark(NAME <n> SOURCES ... LABELS <area> [LIBS ...] [TABLE file] [TIMEOUT s])
#       a Google Benchmark program <n>_benchmark, run by `perfgate benchmark` with the settings of
#       its table (thresholds/<n>.json) and judged by it; label: performance + <area>; RUN_SERIAL
#       as the suites.

include(GoogleTest)

# `cmake --build ... --target perfgate_unit_tests` builds the unit tests and only what they need
# (the sanitizer pass of .ci/run).
add_custom_target(perfgate_unit_tests)

set(PERFGATE_FIXTURE_DIR ${PROJECT_BINARY_DIR}/fixtures)
set(PERFGATE_RESULTS_DIR ${PROJECT_BINARY_DIR}/perf-results)

function(perfgate__add_gtest kind name)
  cmake_parse_arguments(ARG "RUN_SERIAL" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
                        perfgate_warnings)
  target_compile_definitions(${name} PRIVATE
    PERFGATE_REFERENCE_BIN="$<TARGET_FILE:perfgate-reference>"
    PERFGATE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 60)
  endif()
  set(serial FALSE)
  if(ARG_RUN_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name} TEST_PREFIX "${kind}." DISCOVERY_TIMEOUT 30
                       PROPERTIES LABELS ${kind} TIMEOUT ${ARG_TIMEOUT} RUN_SERIAL ${serial})
endfunction()

function(perfgate_add_unit_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS" ${ARGN})
  perfgate__add_gtest(unit ${ARG_NAME} SOURCES ${ARG_SOURCES} LIBS ${ARG_LIBS} TIMEOUT 30)
  add_dependencies(perfgate_unit_tests ${ARG_NAME})
endfunction()

function(perfgate_add_integration_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS" ${ARGN})
  perfgate__add_gtest(integration ${ARG_NAME} SOURCES ${ARG_SOURCES} LIBS ${ARG_LIBS} TIMEOUT 120)
  add_dependencies(${ARG_NAME} perfgate-reference)
endfunction()

# Tests of the instrument's own timing accuracy (label `accuracy`, not `integration`): they assert
# figures in milliseconds, which mean nothing under a sanitizer's slowdown, so the asan and tsan
# presets leave them out; the ci preset runs them. RUN_SERIAL: under `ctest -j` a neighbour's
# CPU spreads their figures (seen: a +20.8% benchmark A/B read [-1.1%, +24.4%], inconclusive,
# beside the integration tests at load average 2 on 2 CPUs).
function(perfgate_add_accuracy_test)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBS" ${ARGN})
  perfgate__add_gtest(accuracy ${ARG_NAME} SOURCES ${ARG_SOURCES} LIBS ${ARG_LIBS} TIMEOUT 180
                      RUN_SERIAL)
  add_dependencies(${ARG_NAME} perfgate-reference)
endfunction()

# A CTest fixture: `<script> start <dir> ARGS...` before the tests that need it, `<script> stop
# <dir>` after them; <dir> is ${PERFGATE_FIXTURE_DIR}/<name>.
function(perfgate__add_fixture name script labels timeout)
  set(dir ${PERFGATE_FIXTURE_DIR}/${name})
  add_test(NAME fixture.${name}.start COMMAND ${PROJECT_SOURCE_DIR}/ctest/${script} start ${dir} ${ARGN})
  add_test(NAME fixture.${name}.stop COMMAND ${PROJECT_SOURCE_DIR}/ctest/${script} stop ${dir})
  set_tests_properties(fixture.${name}.start PROPERTIES FIXTURES_SETUP ${name}
                       LABELS "${labels}" TIMEOUT ${timeout})
  set_tests_properties(fixture.${name}.stop PROPERTIES FIXTURES_CLEANUP ${name}
                       LABELS "${labels}" TIMEOUT ${timeout})
endfunction()

# Starts perfgate-reference on a free loopback port before the suites that need it and stops it
# after; the suites find it through ${PERFGATE_FIXTURE_DIR}/reference/targets.json.
function(perfgate_add_reference_fixture)
  perfgate__add_fixture(reference reference-fixture.sh "performance;example;fixture" 30
    $<TARGET_FILE:perfgate-reference> --threads 2
    --models ${PROJECT_SOURCE_DIR}/fixtures/ai/models.json --max-loaded-models 2
    --pg-conninfo-file ${PERFGATE_FIXTURE_DIR}/postgres/conninfo)
endfunction()

# Starts a throwaway PostgreSQL cluster (fixtures/postgres) before the suites that need it and
# removes it after; its address is in ${PERFGATE_FIXTURE_DIR}/postgres/targets.json, and the
# reference service's /data endpoints read its connection string from .../postgres/conninfo.
function(perfgate_add_postgres_fixture)
  perfgate__add_fixture(postgres postgres-fixture.sh "performance;db;fixture" 120
    ${PROJECT_SOURCE_DIR}/fixtures/postgres 1)
endfunction()

# perfgate_add_suite(NAME n SOURCES ... DRIVERS ... LABELS ... FIXTURES ... [TIMEOUT s] [ARGS ...]
# [EXAMPLE]): the suite program n_suite, linked with the drivers it uses (perfgate::http, ::llm,
# ::ws, ::pg), run by CTest as performance.n with the fixtures it needs; ARGS go to the program
# (e.g. a --gtest_filter leaving out stress scenarios).
function(perfgate_add_suite)
  cmake_parse_arguments(ARG "EXAMPLE" "NAME;TIMEOUT" "SOURCES;DRIVERS;LABELS;FIXTURES;ARGS" ${ARGN})
  set(program ${ARG_NAME}_suite)
  set(labels "performance;${ARG_LABELS}")
  if(ARG_EXAMPLE)
    set(labels "${ARG_LABELS}")
  endif()
  add_executable(${program} ${ARG_SOURCES})
  target_link_libraries(${program} PRIVATE perfgate::gtest ${ARG_DRIVERS} perfgate_warnings)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  # GoogleTest's own JUnit file carries each rule's figures as <property> elements (RecordProperty);
  # ctest --output-junit carries the printed summaries.
  add_test(NAME performance.${ARG_NAME}
           COMMAND ${program} --gtest_output=xml:${PERFGATE_RESULTS_DIR}/${ARG_NAME}.junit.xml
                   ${ARG_ARGS})
  set_tests_properties(performance.${ARG_NAME} PROPERTIES
    LABELS "${labels}"
    FIXTURES_REQUIRED "${ARG_FIXTURES}"
    RUN_SERIAL TRUE
    TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT
    "PERFGATE_EMBEDDED_TARGETS=${PERFGATE_FIXTURE_DIR}/reference/targets.json:${PERFGATE_FIXTURE_DIR}/postgres/targets.json")
endfunction()

# perfgate_add_benchmark(NAME n SOURCES ... LABELS ... [LIBS ...] [TABLE file] [TIMEOUT s]): the
# Google Benchmark program n_benchmark (BENCHMARK_MAIN or its own main), run by CTest as
# performance.n through `perfgate benchmark`, which runs it with the repetitions, min_time and
# interleaving of its table's profile (PERFGATE_PROFILE, ci by default), writes
# <results>/<suite>/<scenario>.json and fails the test when a rule fails. With
# PERFGATE_BASELINE_BENCHMARKS=DIR (main's build of the same programs) it runs A/B.
function(perfgate_add_benchmark)
  cmake_parse_arguments(ARG "" "NAME;TABLE;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT TARGET benchmark::benchmark)
    find_package(benchmark REQUIRED CONFIG)
  endif()
  set(program ${ARG_NAME}_benchmark)
  if(NOT ARG_TABLE)
    set(ARG_TABLE ${PROJECT_SOURCE_DIR}/thresholds/${ARG_NAME}.json)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${program} ${ARG_SOURCES})
  target_link_libraries(${program} PRIVATE ${ARG_LIBS} benchmark::benchmark perfgate_warnings)
  add_test(NAME performance.${ARG_NAME}
           COMMAND $<TARGET_FILE:perfgate> benchmark --program $<TARGET_FILE:${program}>
                   --table ${ARG_TABLE} --results-dir ${PERFGATE_RESULTS_DIR})
  set_tests_properties(performance.${ARG_NAME} PROPERTIES
    LABELS "performance;${ARG_LABELS}"
    RUN_SERIAL TRUE
    TIMEOUT ${ARG_TIMEOUT})
endfunction()
