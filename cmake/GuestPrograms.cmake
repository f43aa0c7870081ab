# Static guest programs, built with each guest architecture's C compiler
# (gcc on x86-64, riscv64-linux-gnu-gcc for riscv64; scripts/setup.sh
# installs both). Used by tests/guest, tests/proc, tests/hostile and bench.
#
#   VMRUN_GUEST_ARCHES      the architectures that have a compiler
#   vmrun_guest_program(OUTPUTS_VAR ARCH DIR NAME SOURCE
#                       [FLAGS flag...] [LIBS lib...] [DEPENDS file...])
#       builds DIR/NAME from SOURCE (`CC -static FLAGS -o DIR/NAME SOURCE
#       LIBS`) and appends it to the list OUTPUTS_VAR.

find_program(VMRUN_GUEST_CC_x86_64 NAMES x86_64-linux-gnu-gcc gcc)
find_program(VMRUN_GUEST_CC_riscv64 NAMES riscv64-linux-gnu-gcc)

set(VMRUN_GUEST_ARCHES "")
foreach(arch x86_64 riscv64)
  if(VMRUN_GUEST_CC_${arch})
    list(APPEND VMRUN_GUEST_ARCHES ${arch})
  else()
    message(WARNING "No C compiler for ${arch} guests: its guest programs, their tests and "
                    "its benchmark workloads are skipped (run scripts/setup.sh)")
  endif()
endforeach()

function(vmrun_guest_program outputs arch dir name source)
  cmake_parse_arguments(G "" "" "FLAGS;LIBS;DEPENDS" ${ARGN})
  file(MAKE_DIRECTORY ${dir})
  add_custom_command(
    OUTPUT ${dir}/${name}
    COMMAND ${VMRUN_GUEST_CC_${arch}} -static ${G_FLAGS} -o ${dir}/${name} ${source} ${G_LIBS}
    DEPENDS ${source} ${G_DEPENDS}
    COMMENT "Guest program ${arch}/${name}"
    VERBATIM)
  set(${outputs} ${${outputs}} ${dir}/${name} PARENT_SCOPE)
endfunction()
