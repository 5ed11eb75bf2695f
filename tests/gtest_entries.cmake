# Writes the ctest entries of awd_tests (run after each link of awd_tests; cmake -P):
# one entry per test source file, running that file's cases in one process with
# --gtest_filter, so that LibTorch's start-up and a fixture shared by a file's
# cases are paid once, not once per case. Files listed in SPLIT get one entry
# per gtest suite instead, so that a long file does not hold one of ctest's
# parallel slots alone at the end. Which file a case is in comes from scanning
# the sources for TEST(...); which cases exist comes from the binary itself, so
# a case the scan misses still runs, in an entry named after its suite.
#
# Reads PARAMS, a file setting EXE, SOURCES, SPLIT, SLOW, GLOO, PYTHON, WORKDIR, OUT.
cmake_minimum_required(VERSION 3.18)  # IN_LIST in a script run with -P
include(${PARAMS})

execute_process(COMMAND ${EXE} --gtest_list_tests OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --gtest_list_tests failed (${rc}): ${listing}")
endif()

# (suite, case) -> file stem, from the sources.
foreach(src IN LISTS SOURCES)
  get_filename_component(stem ${src} NAME_WE)
  file(STRINGS ${src} lines REGEX "^[ \t]*(TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P)\\(")
  foreach(line IN LISTS lines)
    if(line MATCHES "^[ \t]*[A-Z_]+\\(([A-Za-z0-9_]+),[ \t]*([A-Za-z0-9_]+)")
      set("file_of_${CMAKE_MATCH_1}.${CMAKE_MATCH_2}" ${stem})
    endif()
  endforeach()
endforeach()

# The binary's cases, grouped into entries.
string(REPLACE "\n" ";" listing "${listing}")
set(entries "")
set(suite "")
foreach(line IN LISTS listing)
  string(REGEX REPLACE "[ \t]*#.*$" "" line "${line}")  # "  # GetParam() = 1"
  if(line STREQUAL "")
    continue()
  elseif(NOT line MATCHES "^[ \t]")
    string(REGEX REPLACE "\\.$" "" suite "${line}")
    continue()
  endif()
  string(STRIP "${line}" case)
  # TEST_P instances are Prefix/Suite.Case/N: look up Suite.Case.
  string(REGEX REPLACE "^.*/" "" base_suite "${suite}")
  string(REGEX REPLACE "/.*$" "" base_case "${case}")
  set(stem "${file_of_${base_suite}.${base_case}}")
  if(stem STREQUAL "")
    string(REPLACE "/" "_" entry "${suite}")
  elseif(stem IN_LIST SPLIT)
    string(REPLACE "/" "_" entry "${stem}.${suite}")
  else()
    set(entry ${stem})
  endif()
  if(NOT entry IN_LIST entries)
    list(APPEND entries ${entry})
    set("cases_${entry}" "")
  endif()
  string(APPEND "cases_${entry}" ":${suite}.${case}")
endforeach()

set(text "# Written by gtest_entries.cmake after each link of awd_tests.\n")
foreach(entry IN LISTS entries)
  string(SUBSTRING "${cases_${entry}}" 1 -1 filter)
  string(REGEX REPLACE "\\..*$" "" stem "${entry}")
  set(labels fast)
  if(entry IN_LIST SLOW OR stem IN_LIST SLOW)
    set(labels slow)
  endif()
  if(entry IN_LIST GLOO OR stem IN_LIST GLOO)
    list(APPEND labels gloo)
  endif()
  if(entry IN_LIST PYTHON OR stem IN_LIST PYTHON)
    list(APPEND labels python)
  endif()
  string(APPEND text "add_test([=[${entry}]=] [=[${EXE}]=] [=[--gtest_filter=${filter}]=])\n"
                     "set_tests_properties([=[${entry}]=] PROPERTIES WORKING_DIRECTORY [=[${WORKDIR}]=] LABELS [=[${labels}]=])\n")
endforeach()
file(WRITE ${OUT}.new "${text}")
file(RENAME ${OUT}.new ${OUT})
