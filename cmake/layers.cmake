# pglens_layer(NAME FOLDER [USES...]): a layer of pglens, one target per folder
# (docs/architecture.md). NAME's target is pglens_NAME (the `cli` layer is the executable
# `pglens`); FOLDER holds its sources, and a layer may use only layers declared before it,
# so the layers form no cycle. Each layer sees the headers of the layers it uses and of
# theirs, and no other: its include path holds a directory of links under the build tree
# (layers/NAME/) with its folder alone, reached as "<folder without src/>/<file>.hpp".
# pglens_add_layers() makes the targets once every layer is declared.

set_property(GLOBAL PROPERTY PGLENS_LAYERS "")

function(pglens_layer name folder)
  get_property(layers GLOBAL PROPERTY PGLENS_LAYERS)
  if(name IN_LIST layers)
    message(FATAL_ERROR "pglens_layer(${name}): declared twice")
  endif()
  set(closure ${name})
  foreach(dep ${ARGN})
    if(NOT dep IN_LIST layers)
      message(FATAL_ERROR "pglens_layer(${name} ... ${dep}): `${dep}` is not a layer declared above "
                          "${name}; a layer uses only lower layers (docs/architecture.md)")
    endif()
    get_property(dep_closure GLOBAL PROPERTY PGLENS_LAYER_CLOSURE_${dep})
    list(APPEND closure ${dep_closure})
  endforeach()
  list(REMOVE_DUPLICATES closure)
  set_property(GLOBAL PROPERTY PGLENS_LAYERS ${layers} ${name})
  set_property(GLOBAL PROPERTY PGLENS_LAYER_FOLDER_${name} ${folder})
  set_property(GLOBAL PROPERTY PGLENS_LAYER_USES_${name} ${ARGN})
  set_property(GLOBAL PROPERTY PGLENS_LAYER_CLOSURE_${name} ${closure})
endfunction()

function(pglens_add_layers)
  get_property(layers GLOBAL PROPERTY PGLENS_LAYERS)
  set(folders "")
  foreach(layer ${layers})
    get_property(folder GLOBAL PROPERTY PGLENS_LAYER_FOLDER_${layer})
    list(APPEND folders ${folder})
  endforeach()

  # Every folder of src/ is a layer: a new one needs its line (and its place) above.
  file(GLOB children LIST_DIRECTORIES true CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}
       ${CMAKE_SOURCE_DIR}/src/*)
  foreach(child ${children})
    if(IS_DIRECTORY ${CMAKE_SOURCE_DIR}/${child} AND NOT child IN_LIST folders)
      get_filename_component(leaf ${child} NAME)
      message(FATAL_ERROR "${child}/ belongs to no layer. Add to CMakeLists.txt, after the lines of the "
                          "layers it uses:\n  pglens_layer(${leaf} ${child} <the layers it uses>)\n"
                          "name it among the uses of the layers that use it (cli), and give it its row in "
                          "docs/architecture.md.")
    endif()
  endforeach()

  foreach(layer ${layers})
    get_property(folder GLOBAL PROPERTY PGLENS_LAYER_FOLDER_${layer})
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${folder}/*.cpp)
    # A layer nested in another's folder (rules/api in rules) is not part of it.
    foreach(other ${folders})
      if(NOT other STREQUAL folder AND other MATCHES "^${folder}/")
        list(FILTER sources EXCLUDE REGEX "^${CMAKE_SOURCE_DIR}/${other}/")
      endif()
    endforeach()
    string(REGEX REPLACE "^src/" "" include_name ${folder})
    set(root ${CMAKE_BINARY_DIR}/layers/${layer})
    get_filename_component(link_parent ${root}/${include_name} DIRECTORY)
    file(MAKE_DIRECTORY ${link_parent})
    if(NOT EXISTS ${root}/${include_name})
      file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${folder} ${root}/${include_name} SYMBOLIC)
    endif()
    if(layer STREQUAL "cli")
      add_executable(pglens ${sources})
      set(target pglens)
    else()
      add_library(pglens_${layer} STATIC ${sources})
      set(target pglens_${layer})
    endif()
    set_property(GLOBAL PROPERTY PGLENS_LAYER_TARGET_${layer} ${target})
    get_property(closure GLOBAL PROPERTY PGLENS_LAYER_CLOSURE_${layer})
    foreach(seen ${closure})
      target_include_directories(${target} PRIVATE ${CMAKE_BINARY_DIR}/layers/${seen})
    endforeach()
    get_property(uses GLOBAL PROPERTY PGLENS_LAYER_USES_${layer})
    foreach(dep ${uses})
      target_link_libraries(${target} PRIVATE pglens_${dep})
    endforeach()
    target_link_libraries(${target} PUBLIC pglens_api PRIVATE pglens_third_party)
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:${PGLENS_WARNINGS}>")
  endforeach()
endfunction()
