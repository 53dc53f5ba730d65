# Link dependencies of dfc_registry (included by backend/registry/CMakeLists.txt).
# libcurl comes from Debian's libcurl4-openssl-dev.
find_package(CURL REQUIRED)
target_link_libraries(dfc_registry PUBLIC dfc_store llvm_support PRIVATE CURL::libcurl nlohmann_json::nlohmann_json)
