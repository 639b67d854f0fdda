# Compiler and linker settings shared by every softodp target.

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_C_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
# ISO C11 language, but the full glibc/Linux API (strnlen, pidfd, ...).
add_compile_definitions(_GNU_SOURCE)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  # Optimise by default: several warnings (-Wmaybe-uninitialized, ...) only
  # fire with the optimiser's data-flow analysis.
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING
      "Build type (Debug, Release, RelWithDebInfo, MinSizeRel)" FORCE)
endif()

option(SOFTODP_WERROR "Treat compiler warnings as errors" ON)

add_compile_options(
  -Wall
  -Wextra
  -Wshadow
  -Wstrict-prototypes
  -Wmissing-prototypes
  -Wold-style-definition
  -Wpointer-arith
  -Wwrite-strings
  -Wformat=2
  -Wundef
  -Wvla
  -fno-common
)
if(SOFTODP_WERROR)
  add_compile_options(-Werror)
endif()
