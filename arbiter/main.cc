// veritrain-arbiter: the arbiter role as its own process.
//   veritrain-arbiter --config ROLE_CONFIG.json
#include "arbiter/process_main.h"

int main(int argc, char** argv) { return veritrain::ArbiterProcessMain(argc, argv); }
