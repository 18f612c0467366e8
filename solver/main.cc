// veritrain-solver: the solver role as its own process.
//   veritrain-solver --config ROLE_CONFIG.json
#include "solver/process_main.h"

int main(int argc, char** argv) { return veritrain::SolverProcessMain(argc, argv); }
