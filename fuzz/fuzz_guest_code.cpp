// fuzz_guest_code_x86_64 / fuzz_guest_code_riscv64: raw guest code.
//
// The input bytes are placed at the entry point of a minimal static ELF
// (fuzz_support.cpp: headers + code in an R-X segment at 0x400000, entry
// 0x401000, 64 KiB of zeroed R-W data at 0x600000, the usual stack) and run
// through the public API, Sandbox::run, in this process (contain = false,
// so a host crash, abort or sanitizer report inside vmrun or Unicorn is
// seen by libFuzzer), with a 10,000-instruction budget, a 2 s timeout and
// deterministic mode (sleeps cost no wall time). Any classified result is
// fine; what the code does with syscalls is serviced as usual.
//
// The root filesystem is a private temporary directory holding only the
// program (rewritten for each input) and an empty /tmp.
//
// VMRUN_FUZZ_STATS=1 in the environment prints, at exit, how many runs
// ended with each stop reason; VMRUN_FUZZ_SAVE_ELF=PATH writes the last
// executable built to PATH (to rerun an input with the vmrun CLI).
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_support.h"
#include "vmrun/sandbox.h"

using namespace vmrun;
using vmrun::fuzz::fail;

namespace {

#if defined(FUZZ_ARCH_X86_64)
constexpr Arch kArch = Arch::X86_64;
#elif defined(FUZZ_ARCH_RISCV64)
constexpr Arch kArch = Arch::RiscV64;
#else
#error "define FUZZ_ARCH_X86_64 or FUZZ_ARCH_RISCV64"
#endif

fuzz::TempDir* g_root = nullptr;
Sandbox* g_box = nullptr;
std::array<uint64_t, 16> g_reasons{};
uint64_t g_runs = 0;
const char* g_save_elf = nullptr;  // VMRUN_FUZZ_SAVE_ELF: where to copy the executable

void print_stats() {
  std::fprintf(stderr, "guest code runs: %llu\n", static_cast<unsigned long long>(g_runs));
  for (int i = 0; i <= static_cast<int>(StopReason::SandboxError); i++)
    if (g_reasons[i])
      std::fprintf(stderr, "  %-18s %llu\n", stop_reason_name(static_cast<StopReason>(i)),
                   static_cast<unsigned long long>(g_reasons[i]));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logging();
  g_root = new fuzz::TempDir("vmrun-fuzz-code");
  fuzz::make_host_dir(g_root->path() + "/tmp", 01777);
  Config cfg;
  cfg.rootfs = g_root->path();
  cfg.arch = kArch;
  cfg.contain = false;
  cfg.deterministic = true;
  cfg.limits.max_instructions = 10000;
  cfg.limits.timeout_seconds = 2;
  cfg.limits.max_memory = 64ull << 20;
  cfg.limits.max_output = 64 << 10;
  cfg.limits.max_disk = 1 << 20;
  cfg.limits.max_open_files = 32;
  cfg.limits.max_processes = 4;
  g_box = new Sandbox(cfg);
  const char* stats = std::getenv("VMRUN_FUZZ_STATS");
  g_save_elf = std::getenv("VMRUN_FUZZ_SAVE_ELF");
  if (g_save_elf && !*g_save_elf) g_save_elf = nullptr;
  std::atexit([] {
    delete g_box;
    delete g_root;
  });
  if (stats && *stats == '1') std::atexit(print_stats);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return -1;
  std::string_view code(reinterpret_cast<const char*>(data), size);
  std::string elf = fuzz::minimal_elf(kArch, code);
  fuzz::write_host_file(g_root->path() + "/prog", elf, 0755);
  if (g_save_elf) fuzz::write_host_file(g_save_elf, elf, 0755);
  RunRequest req;
  req.argv = {"/prog"};
  RunResult r = g_box->run(req);
  g_runs++;
  g_reasons[static_cast<size_t>(r.stop_reason)]++;
  switch (r.stop_reason) {
    case StopReason::NotFound:
    case StopReason::CannotExecute:
    case StopReason::SandboxError:
      // The program is always there and loadable: the harness or vmrun broke.
      fail(std::string("unexpected stop reason ") + stop_reason_name(r.stop_reason) + ": " + r.message);
    case StopReason::EmulatorFault:
      fail("emulator fault in process: " + r.message);
    default:
      break;
  }
  if (!r.instructions) fail("a run with a budget reported no instruction count");
  if (*r.instructions > 10000) fail("instruction budget overrun: " + std::to_string(*r.instructions));
  return 0;
}
