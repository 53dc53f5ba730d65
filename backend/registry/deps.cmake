# Link dependencies of dfc_registry (included by backend/registry/CMakeLists.txt).
# libcurl comes from Debian's libcurl4-openssl-dev.
find_package(CURL REQUIRED)
# Headers only: Http.cpp dlopens libcurl.so.4 on first use (startup cost of every dfc command).
target_include_directories(dfc_registry PRIVATE ${CURL_INCLUDE_DIRS})
target_link_libraries(dfc_registry PUBLIC dfc_store llvm_support PRIVATE ${CMAKE_DL_LIBS} nlohmann_json::nlohmann_json)
