# The `veritrain` command: run, check. Included from CMakeLists.txt.
add_library(veritrain_runner STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/run.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/summary.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/process_supervisor.cc)
target_link_libraries(veritrain_runner PUBLIC veritrain_scenario
  veritrain_protocol veritrain_transport veritrain_train
  PRIVATE veritrain_warnings)

add_executable(veritrain ${CMAKE_CURRENT_SOURCE_DIR}/main.cc)
target_link_libraries(veritrain PRIVATE veritrain_runner veritrain_warnings)
# The command starts the role executables from its own directory.
add_dependencies(veritrain veritrain-arbiter veritrain-solver
  veritrain-verifier)
