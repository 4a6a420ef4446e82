# faasdl_layer(NAME DEPS ...): one static library per directory under src/, built from every
# .cpp beneath it. Headers are included as "NAME/header.h" from src/.
function(faasdl_layer name)
  cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  if(srcs)
    add_library(faasdl_${name} STATIC ${srcs})
    target_include_directories(faasdl_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(faasdl_${name} PUBLIC ${L_DEPS})
  else()  # a layer with headers only
    add_library(faasdl_${name} INTERFACE)
    target_include_directories(faasdl_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(faasdl_${name} INTERFACE ${L_DEPS})
  endif()
endfunction()

# faasdl_test_suite(LAYER DEPS ...): one GoogleTest binary per tests/LAYER directory.
function(faasdl_test_suite name)
  cmake_parse_arguments(T "" "" "DEPS" ${ARGN})
  # Subfolders hold fixtures (helper binaries, data) set up by tests/NAME/CMakeLists.txt.
  if(EXISTS ${PROJECT_SOURCE_DIR}/tests/${name}/CMakeLists.txt)
    add_subdirectory(${name})
  endif()
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${name}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(test_${name} ${srcs})
  target_include_directories(test_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(test_${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(test_${name} PRIVATE
    FAASDL_SOURCE_DIR="${PROJECT_SOURCE_DIR}" FAASDL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(test_${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "FAASDL_BIN=${PROJECT_BINARY_DIR}/faasdl")
endfunction()
