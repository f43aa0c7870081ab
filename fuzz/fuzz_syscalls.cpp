// fuzz_syscalls: the syscall dispatcher (syscalls/) with arbitrary numbers
// and arguments, against a live guest.
//
// Every input gets a fresh Kernel, prepared (loaded, not running) with a
// tiny static program of the chosen architecture over the default root
// filesystem of that architecture (.deps/rootfs/ARCH, read-only; writes go
// to the in-memory upper layer), deterministic mode, small limits. A
// scratch area is mapped in the guest first:
//   kScratch + [0, 0x2000)       read-write, filled from the input
//   kScratch + [0x2000, 0x3000)  unmapped (a hole)
//   kScratch + [0x3000, 0x4000)  read-only, a copy of the first page
// Then the input's calls are dispatched one by one through
// Kernel::invoke_syscall, as the CPU hook would.
//
// Input format (binary; fuzz/make_seeds.py writes examples):
//   byte 0     bit 0: riscv64 (else x86-64); bit 1: uid/gid 1000 (else 0)
//   byte 1     n: scratch bytes = 16 * n, which follow
//   then calls, each:
//     byte     b < 0xf0: the syscall number b of the arch; b >= 0xf0:
//              number (b - 0xf0) * 256 + the next byte (up to 4095: every
//              number of both tables, unknown ones and out-of-range ones)
//     byte     how many arguments follow (low 3 bits, at most 6; the
//              rest are 0)
//     per argument a kind byte k (kind = k & 7, s = k >> 3) and payload:
//       0 s   1 kScratch + 16 * next byte   2 next 8 bytes   3 a special
//       value (table below, index s)   4 the result of an earlier call
//       (index s)   5 next 4 bytes   6 1 << s   7 -(s + 1)
//
// The sequence ends early when the run is over (exit, exit_group, a fatal
// signal to init), or when the calling process can no longer issue
// syscalls (stopped, zombie, a vfork parent waiting). A call that would
// block returns to the harness (as the scheduler would park it); the
// harness then clears the wait as a signal interrupting it (EINTR) would,
// and goes on.
//
// VMRUN_FUZZ_TRACE=1 in the environment prints every call and its result
// (to see what a crashing input does).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "emu/kernel/kernel.h"
#include "syscalls/syscall_table.h"
#include "fuzz/fuzz_support.h"

using namespace vmrun;
using vmrun::fuzz::fail;

namespace {

constexpr uint64_t kScratch = 0x10000000;
constexpr size_t kMaxCalls = 48;

struct ArchInfo {
  Arch arch;
  uint64_t nr_mmap = 0, nr_munmap = 0, nr_mprotect = 0;
  std::string program;
};
ArchInfo g_arch[2];
fuzz::TempDir* g_progdir = nullptr;
bool g_trace = false;  // VMRUN_FUZZ_TRACE=1: print each call and its result

uint64_t nr_of(Arch arch, const char* name) {
  const auto& entries = SyscallTable::for_arch(arch).entries();
  for (size_t i = 0; i < entries.size(); i++)
    if (entries[i].name && std::strcmp(entries[i].name, name) == 0) return i;
  fail(std::string("no syscall ") + name);
}

const uint64_t kSpecials[32] = {
    ~0ull,                    // -1
    static_cast<uint64_t>(-100),  // AT_FDCWD
    0,
    kScratch + 0x2000 - 1,    // last byte before the hole
    kScratch + 0x2000,        // the hole
    kScratch + 0x3000,        // read-only page
    kScratch + 0x1ff8,        // 8 bytes before the hole
    0x1000,                   // low, unmapped
    0xffff800000000000ull,    // kernel half
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    0xffffffffull,
    0x80000000ull,
    4096,
    0x7ffff000ull,
    1ull << 40,
    1ull << 47,
    fuzz::kDataAddr,          // the program's data
    fuzz::kCodeAddr,          // the program's code (read+exec)
    0x100000000ull,
    255,
    256,
    65536,
    static_cast<uint64_t>(-4096),
    kScratch + 0x1000,
    kScratch + 0x3ff0,        // end of the read-only page
    0x22,                     // MAP_PRIVATE|MAP_ANONYMOUS
    3,                        // PROT_READ|PROT_WRITE
    0x42,                     // O_RDWR|O_CREAT
    0x80000,                  // O_CLOEXEC
    0x10000000000ull,
    static_cast<uint64_t>(-2),
};

struct Reader {
  const uint8_t* p;
  size_t n;
  bool empty() const { return n == 0; }
  uint8_t byte() {
    if (!n) return 0;
    n--;
    return *p++;
  }
  uint64_t bytes(int k) {
    uint64_t v = 0;
    for (int i = 0; i < k; i++) v |= static_cast<uint64_t>(byte()) << (8 * i);
    return v;
  }
};

int64_t call(Kernel& k, uint64_t nr, std::array<uint64_t, 6> a) { return k.invoke_syscall(nr, a.data()); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logging();
  const char* trace = std::getenv("VMRUN_FUZZ_TRACE");
  g_trace = trace && *trace == '1';
  g_progdir = new fuzz::TempDir("vmrun-fuzz-sys");
  chmod(g_progdir->path().c_str(), 0755);  // searchable by guest uid 1000
  for (int i = 0; i < 2; i++) {
    ArchInfo& ai = g_arch[i];
    ai.arch = i == 0 ? Arch::X86_64 : Arch::RiscV64;
    ai.nr_mmap = nr_of(ai.arch, "mmap");
    ai.nr_munmap = nr_of(ai.arch, "munmap");
    ai.nr_mprotect = nr_of(ai.arch, "mprotect");
    // A program that is never run: an endless loop.
    std::string code = ai.arch == Arch::X86_64 ? std::string("\xeb\xfe", 2) : std::string("\x01\xa0", 2);
    std::string name = std::string("prog_") + arch_name(ai.arch);
    fuzz::write_host_file(g_progdir->path() + "/" + name, fuzz::minimal_elf(ai.arch, code), 0755);
    ai.program = "/fz/" + name;
  }
  std::atexit([] { delete g_progdir; });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return -1;
  Reader in{data, size};
  uint8_t head = in.byte();
  const ArchInfo& ai = g_arch[head & 1];

  Config cfg;
  cfg.rootfs = fuzz::default_rootfs(ai.arch);
  cfg.arch = ai.arch;
  cfg.mounts.push_back({g_progdir->path(), "/fz", false});
  cfg.limits.max_memory = 256ull << 20;
  cfg.limits.max_output = 1 << 20;
  cfg.limits.max_disk = 16 << 20;
  cfg.limits.max_open_files = 64;
  cfg.limits.max_processes = 4;
  cfg.deterministic = true;
  cfg.contain = false;
  if (head & 2) cfg.uid = cfg.gid = 1000;
  std::string out, err;
  StdioSpec io;
  io.stdin_data = "some input\nline two\n";
  io.stdout_capture = &out;
  io.stderr_capture = &err;
  Kernel k(cfg, std::move(io), linux_syscalls());
  RunRequest req;
  req.argv = {ai.program, "arg1"};
  std::string error;
  if (!k.prepare(req, &error)) fail("prepare: " + error);

  // The scratch area.
  using A = std::array<uint64_t, 6>;
  if (call(k, ai.nr_mmap, A{kScratch, 0x4000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                            ~0ull, 0}) != static_cast<int64_t>(kScratch) ||
      call(k, ai.nr_munmap, A{kScratch + 0x2000, 0x1000}) != 0 ||
      call(k, ai.nr_mprotect, A{kScratch + 0x3000, 0x1000, PROT_READ}) != 0)
    fail("cannot map the scratch area");
  size_t scratch_len = std::min<size_t>(16u * in.byte(), in.n);
  if (scratch_len) {
    if (!k.mem().fill(kScratch, in.p, scratch_len).ok() ||
        !k.mem().fill(kScratch + 0x3000, in.p, std::min<size_t>(scratch_len, 0x1000)).ok())
      fail("cannot fill the scratch area");
    in.p += scratch_len;
    in.n -= scratch_len;
  }

  std::vector<uint64_t> results;
  for (size_t c = 0; c < kMaxCalls && !in.empty(); c++) {
    uint8_t sel = in.byte();
    uint64_t nr = sel < 0xf0 ? sel : (sel - 0xf0u) * 256u + in.byte();
    int nargs = std::min(in.byte() & 7, 6);
    A args{};
    for (int i = 0; i < nargs; i++) {
      uint8_t kb = in.byte();
      unsigned s = kb >> 3;
      switch (kb & 7) {
        case 0: args[i] = s; break;
        case 1: args[i] = kScratch + 16ull * in.byte(); break;
        case 2: args[i] = in.bytes(8); break;
        case 3: args[i] = kSpecials[s]; break;
        case 4: args[i] = results.empty() ? 0 : results[s % results.size()]; break;
        case 5: args[i] = in.bytes(4); break;
        case 6: args[i] = 1ull << s; break;
        case 7: args[i] = static_cast<uint64_t>(-static_cast<int64_t>(s + 1)); break;
      }
    }
    if (g_trace) {
      const SyscallTable::Entry* e = SyscallTable::for_arch(ai.arch).lookup(nr);
      std::fprintf(stderr, "[%zu] %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)", c,
                   e ? e->name : ("syscall_" + std::to_string(nr)).c_str(), (unsigned long long)args[0],
                   (unsigned long long)args[1], (unsigned long long)args[2], (unsigned long long)args[3],
                   (unsigned long long)args[4], (unsigned long long)args[5]);
    }
    int64_t ret = call(k, nr, args);
    if (g_trace) std::fprintf(stderr, " = %lld\n", static_cast<long long>(ret));
    if (ret < 0 && ret != Kernel::kInvokeBlocked && ret < -4095) fail("a syscall returned a bad negative value");
    results.push_back(static_cast<uint64_t>(ret));
    if (k.stopped()) break;
    Process& p = k.proc();
    if (p.state != ProcState::Runnable || !p.mem) break;
    if (ret == -kErrBlock) {
      // Parked; as if a signal interrupted the wait (EINTR).
      p.call.wait = Wait{};
      p.call.active = false;
      p.call.deadline_ns = -1;
      p.call.futex.waiting = p.call.futex.woken = false;
      p.call.progress = 0;
    }
  }
  return 0;
}
