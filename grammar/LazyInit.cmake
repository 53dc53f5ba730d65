# Post-processes an ANTLR 4.7 C++ lexer/parser: the generated `static Initializer _init`
# deserialises the ATN before main() in every dfc process; this moves it into the constructor
# as a function-local static, so only a process that builds that lexer/parser pays for it once.
# Usage: cmake -DFILE=<generated .cpp> -P LazyInit.cmake
file(READ ${FILE} src)
set(before "${src}")
string(REGEX REPLACE "\n([A-Za-z]+)::Initializer [A-Za-z]+::_init;" "\n// (Initializer runs on first construction, see the constructor.)" src "${src}")
string(REGEX REPLACE "(\n[A-Za-z]+::[A-Za-z]+\\((CharStream|TokenStream) \\*input\\) : (Lexer|Parser)\\(input\\) {\n)"
       "\\1  static const Initializer once; // thread-safe, first use only\n" src "${src}")
string(REGEX MATCHALL "static const Initializer once" hits "${src}")
string(FIND "${src}" "Initializer::_init;" left)
list(LENGTH hits n)
if(NOT n EQUAL 1 OR NOT left EQUAL -1)
  message(FATAL_ERROR "LazyInit.cmake: ${FILE} does not have the expected ANTLR 4.7 shape")
endif()
file(WRITE ${FILE} "${src}")
