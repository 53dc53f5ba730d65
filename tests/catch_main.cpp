// The one Catch2 main every test binary links (compiled once, see cmake/DfcTest.cmake).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
