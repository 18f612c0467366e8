# The `veritrain` command: run, check. Included from CMakeLists.txt.
add_library(veritrain_runner STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/run.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/input_files.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/submitter.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/summary.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/unfired_faults.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/diverged_warnings.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/calibrate/calibrate.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/calibrate/calibration_warnings.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/calibrate_command.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/behaviour_check.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/clock_check.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/job_check.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/job_graph.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/process_purity.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/scenario_warnings.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/nodes_command.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/cache_command.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/fingerprint_command.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/process_supervisor.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/process_host.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/role_launcher.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/role_executables.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/thread_host.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/thread_log.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/in_process_profile.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/progress.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep/sweep.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/csv_field.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep/sweep_table.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep/task_counts.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep/sweep_runner.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep/sweep_inputs.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep/merge.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/sweep/sweep_audit.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/plot.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/html.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/report.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/report_run.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/report_market.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/report_sweep.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/report_market_sweep.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/report/sweep_axes.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/spec/schema_doc.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/cli/commands.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/money.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/market_record.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/market_book.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/market_clock.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/market_replay.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/ledger_audit.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/folder_audit.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/calibration_audit.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/curve_keys.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/results_folder.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/runner/work_dir.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/threshold_check.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/check/interval_error_check.cc)
# The role libraries: in-process mode runs the roles as threads.
target_link_libraries(veritrain_runner PUBLIC veritrain_scenario
  veritrain_protocol veritrain_transport veritrain_train veritrain_pol
  veritrain_arbiter veritrain_solver veritrain_verifier
  PRIVATE veritrain_warnings)

add_executable(veritrain ${CMAKE_CURRENT_SOURCE_DIR}/cli/main.cc)
target_link_libraries(veritrain PRIVATE veritrain_runner veritrain_warnings)
# The command starts the role executables from its own directory.
add_dependencies(veritrain veritrain-arbiter veritrain-solver
  veritrain-verifier)
