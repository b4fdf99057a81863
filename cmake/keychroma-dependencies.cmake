# Finds keychroma's dependencies and wraps them in imported targets. Used by the build and by
# the installed package config, so a consumer gets exactly the same link line.
include(CMakeFindDependencyMacro)

if(NOT TARGET keychroma_deps::core)
  find_dependency(xtl)
  find_dependency(xsimd)
  find_dependency(xtensor)
  find_dependency(xtensor-blas)
  find_dependency(OpenMP)
  find_dependency(nlohmann_json 3)
  find_dependency(OpenSSL COMPONENTS Crypto)
  set(BLA_VENDOR OpenBLAS)
  find_dependency(BLAS)
  find_path(KEYCHROMA_STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb REQUIRED)
  find_library(KEYCHROMA_STB_LIBRARY stb REQUIRED)

  add_library(keychroma_deps::core INTERFACE IMPORTED)
  target_include_directories(keychroma_deps::core INTERFACE ${KEYCHROMA_STB_INCLUDE_DIR})
  target_link_libraries(keychroma_deps::core INTERFACE
    xtensor xtensor-blas xsimd OpenMP::OpenMP_CXX nlohmann_json::nlohmann_json OpenSSL::Crypto
    ${KEYCHROMA_STB_LIBRARY} BLAS::BLAS)

  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(KEYCHROMA_FFMPEG QUIET IMPORTED_TARGET GLOBAL
      libavformat libavcodec libavutil libswscale)
    if(KEYCHROMA_FFMPEG_FOUND)
      add_library(keychroma_deps::ffmpeg ALIAS PkgConfig::KEYCHROMA_FFMPEG)
    endif()
  endif()
endif()
