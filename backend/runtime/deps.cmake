# Link dependencies of dfc_runtime (included by backend/runtime/CMakeLists.txt).
# Debian packages: libseccomp-dev, libcap-dev, nlohmann-json3-dev, llvm-14-dev.
target_link_libraries(dfc_runtime PUBLIC llvm_support PRIVATE nlohmann_json::nlohmann_json seccomp cap)
