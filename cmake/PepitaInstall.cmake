# `cmake --install` puts the library, its headers and a CMake package in the prefix, so that a
# C++ program builds against it with
#   find_package(pepita 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE pepita::pepita)
# (examples/cpp is such a program; tests/package/test_installed_package.sh builds it).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PEPITA_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pepita)

# The sources include each other as "graph/x.hpp", "train/x.hpp", …: the headers keep those folders
# under include/pepita/, and that folder is what the installed target puts on the include path.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data ${PROJECT_SOURCE_DIR}/graph ${PROJECT_SOURCE_DIR}/layers
                  ${PROJECT_SOURCE_DIR}/schedulers ${PROJECT_SOURCE_DIR}/simulation ${PROJECT_SOURCE_DIR}/train
                  ${PROJECT_SOURCE_DIR}/distributed
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pepita
        FILES_MATCHING PATTERN "*.hpp")

install(TARGETS pepita EXPORT pepitaTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pepita)
install(EXPORT pepitaTargets NAMESPACE pepita:: DESTINATION ${PEPITA_INSTALL_CMAKEDIR})

set(PEPITA_PACKAGE_MPI ${PEPITA_MPI})  # pepitaConfig.cmake finds MPI only when the library uses it
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pepitaConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/pepitaConfig.cmake
                              INSTALL_DESTINATION ${PEPITA_INSTALL_CMAKEDIR})
# Before 1.0 a minor release may change the API, so find_package(pepita 0.1) takes any 0.1.x
# and nothing else: SameMinorVersion, where SameMajorVersion would let 0.1 accept 0.9.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pepitaConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pepitaConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/pepitaConfigVersion.cmake
        DESTINATION ${PEPITA_INSTALL_CMAKEDIR})
