# `cmake --install BUILD --prefix DIR`: the four executables, the library tripstream_common
# with its public headers, and the CMake package that lets another project write
# find_package(tripstream) and link tripstream::common (examples/, docs/library.md).
# The SQL migrations are compiled into the library, so it needs no source tree; tripstream-api
# still looks for Swagger UI and the dashboard in this source tree unless SWAGGER_UI_DIR and
# WEB_DIR say otherwise (they are not installed).
include(CMakePackageConfigHelpers)

install(TARGETS tripstream-producer tripstream-consumer tripstream-api tripstream-train
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS tripstream_common EXPORT tripstreamTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/common/include/
                  ${PROJECT_BINARY_DIR}/common/generated/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(TRIPSTREAM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tripstream)
install(EXPORT tripstreamTargets NAMESPACE tripstream:: DESTINATION ${TRIPSTREAM_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tripstreamConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/package/tripstreamConfig.cmake
                              INSTALL_DESTINATION ${TRIPSTREAM_CMAKE_DIR})
# Before 1.0.0 a minor release may change the API, so only the same minor version matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/tripstreamConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/tripstreamConfig.cmake
              ${PROJECT_BINARY_DIR}/package/tripstreamConfigVersion.cmake
        DESTINATION ${TRIPSTREAM_CMAKE_DIR})
