// Forced into the study-file code of the fuzz build only (-include, see
// CMakeLists.txt): Debian's toml++ CMake package adds -DTOML_HEADER_ONLY=0 after
// every other flag, so the parser would come from the uninstrumented shared
// library. Compiling it header-only gives the fuzzer coverage of the TOML parser.
#pragma once
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#undef TOML_SHARED_LIB
