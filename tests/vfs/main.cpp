// The Catch2 runner for the virtual filesystem tests.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
