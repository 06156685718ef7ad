# A unity build compiles our files eight to a unit: each header is parsed and each template
# instantiated once per unit instead of once per file. Under ASan it halved the library's CPU time
# (370 → 193 s). The scripts that build from scratch (test.sh, the sanitizer checks) turn it on;
# an incremental build keeps it off, where one edit would rebuild eight files.
# It covers every target defined after this point: the library, the command line's library, the
# programs and the tests. So no two .cpp files of one target may define the same name in an
# anonymous namespace: a unit would merge them. Such helpers carry their file's name (e.g.
# `slowness_plan`). Which files share a unit changes as files are added, so a clash can surface
# later: -DPEPITA_UNITY_BATCH_SIZE=0 puts each target in one unit and shows every clash at once.
option(PEPITA_UNITY_BUILD "Build the library, the command line and the tests as unity builds (for builds from scratch)" OFF)
set(PEPITA_UNITY_BATCH_SIZE 8 CACHE STRING "Files per unit of a unity build (0: a target's files in one unit)")
if(PEPITA_UNITY_BUILD)
  set(CMAKE_UNITY_BUILD ON)
  set(CMAKE_UNITY_BUILD_BATCH_SIZE ${PEPITA_UNITY_BATCH_SIZE})
endif()
