# Mapnik 3.1 on Debian 12 ships neither a CMake package nor a pkg-config file.
# Build an imported target from the library and `mapnik-config --defines` only:
# its --cflags force -std=c++14 and -DNDEBUG, its --ldflags carry bogus paths.
# The defines matter: without HAVE_CAIRO there is no Cairo renderer, without
# PROJ_VERSION the headers do not compile, without BIGINT the value types
# silently change size.
find_program(MAPNIK_CONFIG mapnik-config REQUIRED)
find_library(MAPNIK_LIBRARY NAMES mapnik PATHS /usr/lib REQUIRED)
execute_process(COMMAND ${MAPNIK_CONFIG} --defines
                OUTPUT_VARIABLE _mapnik_defines OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${MAPNIK_CONFIG} --input-plugins
                OUTPUT_VARIABLE MAPNIK_INPUT_PLUGINS OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${MAPNIK_CONFIG} --version
                OUTPUT_VARIABLE MAPNIK_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
separate_arguments(_mapnik_defines UNIX_COMMAND "${_mapnik_defines}")
set(_mapnik_defs "")
foreach(d IN LISTS _mapnik_defines)
  string(REGEX REPLACE "^-D" "" d "${d}")
  if(NOT d STREQUAL "NDEBUG")   # do not switch assertions off for the whole program
    list(APPEND _mapnik_defs "${d}")
  endif()
endforeach()
foreach(required HAVE_CAIRO BIGINT)
  if(NOT required IN_LIST _mapnik_defs)
    message(FATAL_ERROR "mapnik-config --defines lacks ${required}: this Mapnik cannot be used")
  endif()
endforeach()
# Mapnik's headers use ICU's UnicodeString (its type info is needed at link
# time, e.g. by UBSan's vptr check); libmapnik-dev depends on libicu-dev.
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc)
add_library(Mapnik::mapnik SHARED IMPORTED)
set_target_properties(Mapnik::mapnik PROPERTIES
  IMPORTED_LOCATION "${MAPNIK_LIBRARY}"
  INTERFACE_COMPILE_DEFINITIONS "${_mapnik_defs}"
  INTERFACE_LINK_LIBRARIES "PkgConfig::CAIRO;PkgConfig::ICU")
message(STATUS "Mapnik ${MAPNIK_VERSION}: ${MAPNIK_LIBRARY}; input plugins in ${MAPNIK_INPUT_PLUGINS}")
