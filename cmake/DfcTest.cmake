# Helpers shared by every library's tests/ folder.
# One object library holds Catch2's main so each test binary links it instead of recompiling it.
add_library(dfc_catch_main OBJECT ${CMAKE_SOURCE_DIR}/tests/catch_main.cpp)
target_link_libraries(dfc_catch_main PUBLIC Catch2::Catch2)

# dfc_add_test(NAME SOURCES... LIBS ...) -> an executable registered with CTest (label "unit"),
# run with the project's source root as working directory.
function(dfc_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES} $<TARGET_OBJECTS:dfc_catch_main>)
  target_link_libraries(${name} PRIVATE Catch2::Catch2 ${T_LIBS})
  target_compile_options(${name} PRIVATE ${DFC_WARNINGS})
  target_compile_definitions(${name} PRIVATE DFC_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                                             DFC_SHARED_DIR="${DFC_SHARED_DIR}")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
endfunction()
