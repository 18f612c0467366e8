# Build-time budget (a clean Release build within 10 minutes on 2 cores).
#
# Most of the compile time goes into parsing LibTorch's headers (about 17 s
# per translation unit) and instantiating its templates. Two measures:
#
#  - Unity builds: each target's sources are compiled a few at a time as
#    one translation unit, so headers are parsed and common templates
#    instantiated once per batch. Sources must therefore not define two
#    things of the same name in anonymous namespaces.
#  - Precompiled LibTorch headers. Loading one costs in proportion to its
#    size, whether a source needs it or not: 8.7 s per translation unit for
#    all of <torch/torch.h> (570 MB), 2.7 s for <torch/types.h> (320 MB:
#    tensors, ATen's operators, autograd variables), against 21 s and 9 s
#    to parse them. veritrain_train, whose jobs build modules and
#    optimizers, precompiles <torch/torch.h> for itself; every other target
#    that includes LibTorch reuses one precompiled <torch/types.h>
#    (veritrain_torch_pch), which is what most sources need. A precompiled
#    header is only valid for identical code-generation flags, hence -fPIC
#    everywhere (Debian's compiler builds executables position-independent
#    anyway).
#
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
