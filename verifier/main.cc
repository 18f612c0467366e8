// veritrain-verifier: the verifier role as its own process.
//   veritrain-verifier --config ROLE_CONFIG.json
#include "verifier/process_main.h"

int main(int argc, char** argv) { return veritrain::VerifierProcessMain(argc, argv); }
