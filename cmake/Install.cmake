# Install rules, included by the top-level CMakeLists.txt when VMRUN_INSTALL
# is on (the default for a top-level build). `cmake --install build
# [--prefix DIR]` puts in place:
#
#   bin/vmrun                        the CLI (RUNPATH to the Unicorn below)
#   include/vmrun/*.h                the public API, nothing internal
#   LIBDIR/libvmrun.a                the library (every floor: rootfs, engine, kernel, syscalls, core)
#   LIBDIR/vmrun/libunicorn.so.2     a private copy of the Unicorn (2.1.4) the
#                                    library was built against
#                                    (VMRUN_BUNDLE_UNICORN, default ON)
#   LIBDIR/cmake/vmrun/              find_package(vmrun) -> vmrun::vmrun
#   LIBDIR/pkgconfig/vmrun.pc        pkg-config --cflags --libs vmrun
#   share/doc/vmrun/unicorn-copyright  Unicorn's licence (when bundled)
#
# Unicorn is bundled because vmrun needs 2.1.4 or newer and uses Unicorn's
# internals only on the exact release it knows (emu/engine/unicorn_private.h), and
# Debian 12's
# own libunicorn2 is 2.0.1 with the same soname: the copy lives in a
# directory of its own, outside the dynamic loader's search path, and is
# reached through RUNPATH only. With VMRUN_BUNDLE_UNICORN=OFF the installed
# files point at VMRUN_UNICORN_PREFIX instead, which must then stay where
# it is. Tested by tests/install.

include(CMakePackageConfigHelpers)

set(VMRUN_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/vmrun")
set(VMRUN_INSTALL_UNICORNDIR "${CMAKE_INSTALL_LIBDIR}/vmrun")
set(VMRUN_UNICORN_SONAME libunicorn.so.2)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/vmrun
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(TARGETS vmrun_lib EXPORT vmrunTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS vmrun RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT vmrunTargets NAMESPACE vmrun:: DESTINATION ${VMRUN_INSTALL_CMAKEDIR})

if(VMRUN_BUNDLE_UNICORN)
  get_filename_component(_vmrun_unicorn_real "${VMRUN_UNICORN_LIBRARY}" REALPATH)
  install(FILES ${_vmrun_unicorn_real} DESTINATION ${VMRUN_INSTALL_UNICORNDIR}
    RENAME ${VMRUN_UNICORN_SONAME})
  file(GLOB _vmrun_unicorn_copyright "${VMRUN_UNICORN_PREFIX}/share/doc/libunicorn2*/copyright")
  if(_vmrun_unicorn_copyright)
    list(GET _vmrun_unicorn_copyright 0 _vmrun_unicorn_copyright)
    install(FILES ${_vmrun_unicorn_copyright} DESTINATION ${CMAKE_INSTALL_DOCDIR}
      RENAME unicorn-copyright)
  endif()
  set(VMRUN_CONFIG_UNICORNDIR "${VMRUN_INSTALL_UNICORNDIR}")   # relative: under the prefix
  file(RELATIVE_PATH _vmrun_bin_to_unicorn "/p/${CMAKE_INSTALL_BINDIR}" "/p/${VMRUN_INSTALL_UNICORNDIR}")
  set_target_properties(vmrun PROPERTIES INSTALL_RPATH "$ORIGIN/${_vmrun_bin_to_unicorn}")
else()
  set(VMRUN_CONFIG_UNICORNDIR "${VMRUN_UNICORN_LIBDIR}")        # absolute: the build's Unicorn
  set_target_properties(vmrun PROPERTIES INSTALL_RPATH "${VMRUN_UNICORN_LIBDIR}")
endif()

# vmrunConfig.cmake and its version file (0.x: minor versions are not
# compatible with each other).
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/vmrunConfig.cmake.in
  ${PROJECT_BINARY_DIR}/vmrunConfig.cmake
  INSTALL_DESTINATION ${VMRUN_INSTALL_CMAKEDIR}
  PATH_VARS VMRUN_CONFIG_UNICORNDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/vmrunConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/vmrunConfig.cmake ${PROJECT_BINARY_DIR}/vmrunConfigVersion.cmake
  DESTINATION ${VMRUN_INSTALL_CMAKEDIR})

# vmrun.pc holds absolute paths, so it is written at install time, when the
# prefix (`cmake --install --prefix`) is known; DESTDIR is honoured.
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(VMRUN_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(VMRUN_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
if(VMRUN_BUNDLE_UNICORN)
  set(VMRUN_PC_UNICORNDIR "\${libdir}/vmrun")
else()
  set(VMRUN_PC_UNICORNDIR "${VMRUN_UNICORN_LIBDIR}")
endif()
set(VMRUN_PC_EXTRA_LIBS "")
if(VMRUN_SANITIZE)
  set(VMRUN_PC_EXTRA_LIBS " -fsanitize=address,undefined")
endif()
set(VMRUN_PC_PREFIX "@VMRUN_PC_PREFIX@")  # left for install time
configure_file(${CMAKE_CURRENT_LIST_DIR}/vmrun.pc.in ${PROJECT_BINARY_DIR}/vmrun.pc.in @ONLY)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(_vmrun_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
  set(_vmrun_pc_dir "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()
install(CODE "
  set(VMRUN_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(_vmrun_pc \"${_vmrun_pc_dir}/vmrun.pc\")
  message(STATUS \"Installing: \$ENV{DESTDIR}\${_vmrun_pc}\")
  configure_file(\"${PROJECT_BINARY_DIR}/vmrun.pc.in\" \"\$ENV{DESTDIR}\${_vmrun_pc}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${_vmrun_pc}\")
")
