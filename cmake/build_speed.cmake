# Build-time budget (a clean Release build within 10 minutes on 2 cores).
#
# Most of the compile time goes into LibTorch's headers (parsing them and
# instantiating their templates). Three measures:
#
#  - The compiler: setup.sh and the release preset build with clang-14,
#    which compiles this code in 0.62 of g++ 12's CPU time (a clean build
#    of every target on 2 cores: 918 s of CPU against 1480 s, 7.8 minutes
#    of wall time against 12.5). Its precompiled headers are a fifth of
#    GCC's (69 MB for <torch/types.h> against 320 MB) and are read lazily,
#    where GCC maps and walks all of it in every translation unit.
#  - Unity builds: each target's sources are compiled a few at a time as
#    one translation unit, so headers are parsed and common templates
#    instantiated once per batch. Sources must therefore not define two
#    things of the same name in anonymous namespaces.
#  - Precompiled LibTorch headers. veritrain_train, whose jobs build
#    modules and optimizers, precompiles <torch/torch.h> for itself; every
#    other target that includes LibTorch reuses one precompiled
#    <torch/types.h> (veritrain_torch_pch: tensors, ATen's operators,
#    autograd variables), which is what most sources need. A precompiled
#    header is only valid for identical code-generation flags, hence -fPIC
#    everywhere (Debian's compiler builds executables position-independent
#    anyway).
#
# g++ still builds everything (CXX=g++ bash setup.sh build); its precompiled
# headers cost more to load (8.7 s per translation unit for all of
# <torch/torch.h>, 2.7 s for <torch/types.h>) but still less than parsing.
# VERITRAIN_FAST_BUILD=OFF turns both off (for example to check that every
# source still compiles on its own).

option(VERITRAIN_FAST_BUILD "Unity builds and a shared LibTorch PCH" ON)

if(VERITRAIN_FAST_BUILD)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(-fPIC)
endif()

# veritrain_fast_build(TARGETS t... TORCH t...): unity-build every target
# listed; those under TORCH (but veritrain_train) also reuse the precompiled
# <torch/types.h>.
function(veritrain_fast_build)
  if(NOT VERITRAIN_FAST_BUILD)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "TARGETS;TORCH" ${ARGN})
  add_library(veritrain_torch_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/torch_pch.cc)
  target_link_libraries(veritrain_torch_pch PRIVATE ${TORCH_LIBRARIES} veritrain_warnings)
  target_precompile_headers(veritrain_torch_pch PRIVATE <torch/types.h>)
  foreach(t IN LISTS ARG_TARGETS ARG_TORCH)
    if(TARGET ${t})
      set_target_properties(${t} PROPERTIES UNITY_BUILD ON
        UNITY_BUILD_BATCH_SIZE 8)
    endif()
  endforeach()
  foreach(t IN LISTS ARG_TORCH)
    if(TARGET ${t} AND NOT t STREQUAL "veritrain_train")
      target_precompile_headers(${t} REUSE_FROM veritrain_torch_pch)
    endif()
  endforeach()
endfunction()
