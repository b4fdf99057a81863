# The Thrust backend (include/keychroma/nn/backend/thrust*.hpp).
#
#   keychroma::thrust_host   INTERFACE: Thrust from the CUDA toolkit's CCCL, THRUST_DEVICE_SYSTEM
#                            = OMP for C++ sources (g++ runs the backend on the host with OpenMP),
#                            KEYCHROMA_HAS_THRUST=1. Defined whenever CCCL's headers are found.
#   keychroma::thrust_cuda   INTERFACE (KEYCHROMA_WITH_CUDA): the above plus cuBLAS and the CUDA
#                            runtime, KEYCHROMA_HAS_CUDA=1; .cu sources compiled by nvcc get
#                            Thrust's CUDA system (nvcc's default) and OpenMP for the host side.
#   keychroma_add_cuda_executable(name sources...)
#                            an nvcc-built executable for CMAKE_CUDA_ARCHITECTURES (default
#                            "80;90") linked against keychroma::thrust_cuda.
#
# Thrust is taken from CCCL (/usr/local/cuda/include/cccl in CUDA 12.x/13.x), never from a
# distribution package such as Debian's libthrust-dev in /usr/include: the search below does not
# look at default paths. Included from the top-level CMakeLists.txt after the keychroma target.

# KEYCHROMA_WITH_THRUST=OFF leaves the thrust-host backend out even where CCCL is found: the
# sanitizer build does, because every network subcommand of the tool is compiled once per backend
# and the thrust tests are not among the areas it runs.
option(KEYCHROMA_WITH_THRUST "Build the thrust-host backend when CCCL's headers are found" ON)
if(NOT KEYCHROMA_WITH_THRUST)
  if(KEYCHROMA_WITH_CUDA)
    message(FATAL_ERROR "KEYCHROMA_WITH_CUDA=ON needs KEYCHROMA_WITH_THRUST=ON")
  endif()
  message(STATUS "keychroma: KEYCHROMA_WITH_THRUST=OFF: the thrust-host and cuda backends are off")
  return()
endif()

find_package(CUDAToolkit QUIET)
set(_keychroma_cccl_hints)
if(CUDAToolkit_FOUND)
  foreach(dir IN LISTS CUDAToolkit_INCLUDE_DIRS)
    list(APPEND _keychroma_cccl_hints "${dir}/cccl" "${dir}")
  endforeach()
endif()
list(APPEND _keychroma_cccl_hints /usr/local/cuda/include/cccl /usr/local/cuda/include)
find_path(KEYCHROMA_CCCL_INCLUDE_DIR thrust/version.h
  HINTS ${_keychroma_cccl_hints}
  NO_DEFAULT_PATH
  DOC "CCCL include directory holding thrust/, cub/ and cuda/ (the CUDA toolkit's)")

if(NOT KEYCHROMA_CCCL_INCLUDE_DIR)
  message(STATUS "keychroma: Thrust (CCCL) not found: the thrust-host and cuda backends are off")
  if(KEYCHROMA_WITH_CUDA)
    message(FATAL_ERROR "KEYCHROMA_WITH_CUDA=ON but CCCL's thrust/version.h was not found")
  endif()
  return()
endif()
message(STATUS "keychroma: Thrust from ${KEYCHROMA_CCCL_INCLUDE_DIR}")

add_library(keychroma_thrust_host INTERFACE)
add_library(keychroma::thrust_host ALIAS keychroma_thrust_host)
target_include_directories(keychroma_thrust_host SYSTEM INTERFACE
  $<BUILD_INTERFACE:${KEYCHROMA_CCCL_INCLUDE_DIR}>)
target_compile_definitions(keychroma_thrust_host INTERFACE
  KEYCHROMA_HAS_THRUST=1
  $<$<COMPILE_LANGUAGE:CXX>:THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_OMP>)
target_link_libraries(keychroma_thrust_host INTERFACE keychroma)

if(NOT KEYCHROMA_WITH_CUDA)
  return()
endif()

if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "80;90")
endif()
set(KEYCHROMA_CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}" CACHE STRING
  "GPU architectures the nvcc builds of keychroma target")
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
# CMake < 3.26 knows no C++20 flag for nvcc (nvcc has had -std=c++20 since CUDA 12.0).
if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION AND
   CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
endif()

add_library(keychroma_thrust_cuda INTERFACE)
add_library(keychroma::thrust_cuda ALIAS keychroma_thrust_cuda)
target_link_libraries(keychroma_thrust_cuda INTERFACE keychroma_thrust_host CUDA::cublas CUDA::cudart)
target_compile_definitions(keychroma_thrust_cuda INTERFACE KEYCHROMA_HAS_CUDA=1)
target_compile_options(keychroma_thrust_cuda INTERFACE
  # the host compiler sees OpenMP pragmas (CPU backend, Thrust's OMP system); nvcc's front end
  # warns about xtensor/fixed_string constructs that are fine (186: unsigned >= 0; 20012/20013:
  # __host__ __device__ on defaulted members; 27: character value out of range)
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-fopenmp --expt-relaxed-constexpr
    -diag-suppress=186,20012,20013,20014,20015,27>)

function(keychroma_add_cuda_executable name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES
    CUDA_STANDARD 20
    CUDA_STANDARD_REQUIRED ON
    CUDA_ARCHITECTURES "${KEYCHROMA_CUDA_ARCHITECTURES}")
  target_link_libraries(${name} PRIVATE keychroma::thrust_cuda)
endfunction()
