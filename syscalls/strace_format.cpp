#include "emu/arch/guest_abi.h"
#include "syscalls/strace_format.h"

#include <cstdio>
#include <cstring>
#include <span>

namespace vmrun::strace {
namespace {

struct Name {
  uint64_t value;
  const char* name;
};
using Names = std::span<const Name>;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));  // 0 prints as "0"
  return buf;
}

std::string decimal(int64_t v) { return std::to_string(v); }

void add_part(std::string& out, std::string_view part) {
  if (!out.empty()) out += '|';
  out += part;
}

// Names the entries of `table` whose bits are all set in v, in table order,
// and clears those bits from v. Multi-bit entries (O_SYNC, O_TMPFILE) come
// before the single bits they contain.
void add_flags(std::string& out, uint64_t& v, Names table) {
  for (const Name& n : table)
    if (n.value && (v & n.value) == n.value) {
      add_part(out, n.name);
      v &= ~n.value;
    }
}

// The parts so far, then what no name covered, or "0" if nothing at all.
std::string finish(std::string out, uint64_t leftover) {
  if (leftover) add_part(out, hex(leftover));
  return out.empty() ? "0" : out;
}

std::string flag_set(uint64_t v, Names table) {
  std::string out;
  add_flags(out, v, table);
  return finish(std::move(out), v);
}

const char* find_name(uint64_t v, Names table) {
  for (const Name& n : table)
    if (n.value == v) return n.name;
  return nullptr;
}

// An enumeration held in an int argument: its name, else the number.
std::string enum_int(uint64_t v, Names table) {
  int32_t i = static_cast<int32_t>(v);
  if (const char* name = find_name(static_cast<uint32_t>(i), table)) return name;
  return decimal(i);
}

// ---- Tables, from the kernel's UAPI headers. ----

// asm-generic/fcntl.h (x86-64 and riscv64 both include it unchanged).
constexpr uint64_t kAccessModeMask = 03;
constexpr Name kAccessModes[] = {{00, "O_RDONLY"}, {01, "O_WRONLY"}, {02, "O_RDWR"}};
constexpr uint64_t kOCreat = 0100, kOTmpfileBit = 020000000;
constexpr Name kOpenFlags[] = {
    {0100, "O_CREAT"},        {0200, "O_EXCL"},        {0400, "O_NOCTTY"},     {01000, "O_TRUNC"},
    {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},   {04010000, "O_SYNC"},   {010000, "O_DSYNC"},
    {020000, "O_ASYNC"},      {040000, "O_DIRECT"},    {0100000, "O_LARGEFILE"},
    {020200000, "O_TMPFILE"}, {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"}, {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},  {010000000, "O_PATH"},
};

// linux/fcntl.h. 0x200 is AT_EACCESS for faccessat and AT_REMOVEDIR for
// unlinkat, so it is in neither common table.
constexpr Name kAtFlags[] = {
    {0x100, "AT_SYMLINK_NOFOLLOW"}, {0x400, "AT_SYMLINK_FOLLOW"},  {0x800, "AT_NO_AUTOMOUNT"},
    {0x1000, "AT_EMPTY_PATH"},      {0x2000, "AT_STATX_FORCE_SYNC"}, {0x4000, "AT_STATX_DONT_SYNC"},
    {0x8000, "AT_RECURSIVE"},
};
constexpr Name kAtEaccess[] = {{0x200, "AT_EACCESS"}};
constexpr Name kAtRemovedir[] = {{0x200, "AT_REMOVEDIR"}};

// unistd.h access modes (R_OK 4, W_OK 2, X_OK 1; F_OK is none of them).
constexpr Name kAccessBits[] = {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}};

// asm-generic/mman-common.h.
constexpr Name kProt[] = {
    {0x1, "PROT_READ"}, {0x2, "PROT_WRITE"}, {0x4, "PROT_EXEC"}, {0x8, "PROT_SEM"},
    {0x01000000, "PROT_GROWSDOWN"}, {0x02000000, "PROT_GROWSUP"},
};

// linux/mman.h (the mapping type, MAP_TYPE = 0x0f), then the flags of
// asm-generic/mman-common.h and asm-generic/mman.h. x86-64's asm/mman.h
// adds MAP_32BIT; riscv64's is asm-generic/mman.h alone.
constexpr uint64_t kMapTypeMask = 0x0f;
constexpr Name kMapTypes[] = {{0x01, "MAP_SHARED"}, {0x02, "MAP_PRIVATE"}, {0x03, "MAP_SHARED_VALIDATE"}};
constexpr Name kMapFlags[] = {
    {0x10, "MAP_FIXED"},        {0x20, "MAP_ANONYMOUS"},     {0x100, "MAP_GROWSDOWN"},
    {0x800, "MAP_DENYWRITE"},   {0x1000, "MAP_EXECUTABLE"},  {0x2000, "MAP_LOCKED"},
    {0x4000, "MAP_NORESERVE"},  {0x8000, "MAP_POPULATE"},    {0x10000, "MAP_NONBLOCK"},
    {0x20000, "MAP_STACK"},     {0x40000, "MAP_HUGETLB"},    {0x80000, "MAP_SYNC"},
    {0x100000, "MAP_FIXED_NOREPLACE"},
};
constexpr Name kMapFlagsX86[] = {{0x40, "MAP_32BIT"}};

// asm-generic/mman-common.h.
constexpr Name kMadvise[] = {
    {0, "MADV_NORMAL"},      {1, "MADV_RANDOM"},        {2, "MADV_SEQUENTIAL"},      {3, "MADV_WILLNEED"},
    {4, "MADV_DONTNEED"},    {8, "MADV_FREE"},          {9, "MADV_REMOVE"},          {10, "MADV_DONTFORK"},
    {11, "MADV_DOFORK"},     {12, "MADV_MERGEABLE"},    {13, "MADV_UNMERGEABLE"},    {14, "MADV_HUGEPAGE"},
    {15, "MADV_NOHUGEPAGE"}, {16, "MADV_DONTDUMP"},     {17, "MADV_DODUMP"},         {18, "MADV_WIPEONFORK"},
    {19, "MADV_KEEPONFORK"}, {20, "MADV_COLD"},         {21, "MADV_PAGEOUT"},        {22, "MADV_POPULATE_READ"},
    {23, "MADV_POPULATE_WRITE"}, {24, "MADV_DONTNEED_LOCKED"}, {25, "MADV_COLLAPSE"},
    {100, "MADV_HWPOISON"},  {101, "MADV_SOFT_OFFLINE"},
};

// asm-generic/fcntl.h and linux/fcntl.h (F_LINUX_SPECIFIC_BASE = 1024). On
// 64-bit guests F_GETLK/F_SETLK/F_SETLKW are 5..7; 12..14 are 32-bit only.
enum : uint64_t {
  kF_DUPFD = 0, kF_GETFD = 1, kF_SETFD = 2, kF_GETFL = 3, kF_SETFL = 4, kF_GETLK = 5, kF_SETLK = 6,
  kF_SETLKW = 7, kF_SETOWN = 8, kF_GETOWN = 9, kF_SETSIG = 10, kF_GETSIG = 11, kF_SETOWN_EX = 15,
  kF_GETOWN_EX = 16, kF_GETOWNER_UIDS = 17, kF_OFD_GETLK = 36, kF_OFD_SETLK = 37, kF_OFD_SETLKW = 38,
  kF_SETLEASE = 1024, kF_GETLEASE = 1025, kF_NOTIFY = 1026, kF_CANCELLK = 1029, kF_DUPFD_CLOEXEC = 1030,
  kF_SETPIPE_SZ = 1031, kF_GETPIPE_SZ = 1032, kF_ADD_SEALS = 1033, kF_GET_SEALS = 1034,
  kF_GET_RW_HINT = 1035, kF_SET_RW_HINT = 1036, kF_GET_FILE_RW_HINT = 1037, kF_SET_FILE_RW_HINT = 1038,
};
constexpr Name kFcntlCommands[] = {
    {kF_DUPFD, "F_DUPFD"},           {kF_GETFD, "F_GETFD"},
    {kF_SETFD, "F_SETFD"},           {kF_GETFL, "F_GETFL"},
    {kF_SETFL, "F_SETFL"},           {kF_GETLK, "F_GETLK"},
    {kF_SETLK, "F_SETLK"},           {kF_SETLKW, "F_SETLKW"},
    {kF_SETOWN, "F_SETOWN"},         {kF_GETOWN, "F_GETOWN"},
    {kF_SETSIG, "F_SETSIG"},         {kF_GETSIG, "F_GETSIG"},
    {kF_SETOWN_EX, "F_SETOWN_EX"},   {kF_GETOWN_EX, "F_GETOWN_EX"},
    {kF_GETOWNER_UIDS, "F_GETOWNER_UIDS"},
    {kF_OFD_GETLK, "F_OFD_GETLK"},   {kF_OFD_SETLK, "F_OFD_SETLK"},
    {kF_OFD_SETLKW, "F_OFD_SETLKW"}, {kF_SETLEASE, "F_SETLEASE"},
    {kF_GETLEASE, "F_GETLEASE"},     {kF_NOTIFY, "F_NOTIFY"},
    {kF_CANCELLK, "F_CANCELLK"},     {kF_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"},
    {kF_SETPIPE_SZ, "F_SETPIPE_SZ"}, {kF_GETPIPE_SZ, "F_GETPIPE_SZ"},
    {kF_ADD_SEALS, "F_ADD_SEALS"},   {kF_GET_SEALS, "F_GET_SEALS"},
    {kF_GET_RW_HINT, "F_GET_RW_HINT"}, {kF_SET_RW_HINT, "F_SET_RW_HINT"},
    {kF_GET_FILE_RW_HINT, "F_GET_FILE_RW_HINT"}, {kF_SET_FILE_RW_HINT, "F_SET_FILE_RW_HINT"},
};
constexpr Name kFdFlags[] = {{1, "FD_CLOEXEC"}};
constexpr Name kLockTypes[] = {{0, "F_RDLCK"}, {1, "F_WRLCK"}, {2, "F_UNLCK"}};
constexpr Name kSeals[] = {
    {0x1, "F_SEAL_SEAL"}, {0x2, "F_SEAL_SHRINK"}, {0x4, "F_SEAL_GROW"}, {0x8, "F_SEAL_WRITE"},
    {0x10, "F_SEAL_FUTURE_WRITE"},
};
constexpr Name kDnotify[] = {
    {0x1, "DN_ACCESS"}, {0x2, "DN_MODIFY"}, {0x4, "DN_CREATE"}, {0x8, "DN_DELETE"},
    {0x10, "DN_RENAME"}, {0x20, "DN_ATTRIB"}, {0x80000000, "DN_MULTISHOT"},
};
constexpr Name kFlock[] = {{1, "LOCK_SH"}, {2, "LOCK_EX"}, {4, "LOCK_NB"}, {8, "LOCK_UN"}};

// asm-generic/signal.h; x86-64's asm/signal.h has the same numbers.
constexpr Name kSignals[] = {
    {1, "SIGHUP"},   {2, "SIGINT"},     {3, "SIGQUIT"},  {4, "SIGILL"},    {5, "SIGTRAP"},   {6, "SIGABRT"},
    {7, "SIGBUS"},   {8, "SIGFPE"},     {9, "SIGKILL"},  {10, "SIGUSR1"},  {11, "SIGSEGV"},  {12, "SIGUSR2"},
    {13, "SIGPIPE"}, {14, "SIGALRM"},   {15, "SIGTERM"}, {16, "SIGSTKFLT"}, {17, "SIGCHLD"}, {18, "SIGCONT"},
    {19, "SIGSTOP"}, {20, "SIGTSTP"},   {21, "SIGTTIN"}, {22, "SIGTTOU"},  {23, "SIGURG"},   {24, "SIGXCPU"},
    {25, "SIGXFSZ"}, {26, "SIGVTALRM"}, {27, "SIGPROF"}, {28, "SIGWINCH"}, {29, "SIGIO"},    {30, "SIGPWR"},
    {31, "SIGSYS"},
};
constexpr uint64_t kSigRtMin = 32, kSigRtMax = 64;  // _NSIG is 64 on both

// asm-generic/signal-defs.h.
constexpr Name kSigprocmaskHow[] = {{0, "SIG_BLOCK"}, {1, "SIG_UNBLOCK"}, {2, "SIG_SETMASK"}};

// linux/sched.h. The low byte (CSIGNAL) of clone's flags is the exit signal.
constexpr uint64_t kCloneSignalMask = 0xff;
constexpr Name kCloneFlags[] = {
    {0x00000100, "CLONE_VM"},           {0x00000200, "CLONE_FS"},
    {0x00000400, "CLONE_FILES"},        {0x00000800, "CLONE_SIGHAND"},
    {0x00001000, "CLONE_PIDFD"},        {0x00002000, "CLONE_PTRACE"},
    {0x00004000, "CLONE_VFORK"},        {0x00008000, "CLONE_PARENT"},
    {0x00010000, "CLONE_THREAD"},       {0x00020000, "CLONE_NEWNS"},
    {0x00040000, "CLONE_SYSVSEM"},      {0x00080000, "CLONE_SETTLS"},
    {0x00100000, "CLONE_PARENT_SETTID"}, {0x00200000, "CLONE_CHILD_CLEARTID"},
    {0x00400000, "CLONE_DETACHED"},     {0x00800000, "CLONE_UNTRACED"},
    {0x01000000, "CLONE_CHILD_SETTID"}, {0x02000000, "CLONE_NEWCGROUP"},
    {0x04000000, "CLONE_NEWUTS"},       {0x08000000, "CLONE_NEWIPC"},
    {0x10000000, "CLONE_NEWUSER"},      {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},       {0x80000000, "CLONE_IO"},
};

// linux/wait.h (WSTOPPED, waitid's name for WUNTRACED, is the same bit).
constexpr Name kWaitOptions[] = {
    {0x1, "WNOHANG"},        {0x2, "WUNTRACED"},     {0x4, "WEXITED"},      {0x8, "WCONTINUED"},
    {0x01000000, "WNOWAIT"}, {0x20000000, "__WNOTHREAD"}, {0x40000000, "__WALL"}, {0x80000000, "__WCLONE"},
};

// linux/fs.h.
constexpr Name kWhence[] = {{0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}};

// linux/futex.h.
constexpr uint64_t kFutexPrivate = 128, kFutexClockRealtime = 256, kFutexCmdMask = 127;
constexpr Name kFutexCommands[] = {
    {0, "FUTEX_WAIT"},        {1, "FUTEX_WAKE"},          {2, "FUTEX_FD"},          {3, "FUTEX_REQUEUE"},
    {4, "FUTEX_CMP_REQUEUE"}, {5, "FUTEX_WAKE_OP"},       {6, "FUTEX_LOCK_PI"},     {7, "FUTEX_UNLOCK_PI"},
    {8, "FUTEX_TRYLOCK_PI"},  {9, "FUTEX_WAIT_BITSET"},   {10, "FUTEX_WAKE_BITSET"},
    {11, "FUTEX_WAIT_REQUEUE_PI"}, {12, "FUTEX_CMP_REQUEUE_PI"}, {13, "FUTEX_LOCK_PI2"},
};

// Address families (linux/socket.h; the same on every architecture).
constexpr Name kDomains[] = {
    {0, "AF_UNSPEC"},    {1, "AF_UNIX"},     {2, "AF_INET"},   {3, "AF_AX25"},    {4, "AF_IPX"},
    {5, "AF_APPLETALK"}, {6, "AF_NETROM"},   {7, "AF_BRIDGE"}, {8, "AF_ATMPVC"},  {9, "AF_X25"},
    {10, "AF_INET6"},    {11, "AF_ROSE"},    {12, "AF_DECnet"}, {13, "AF_NETBEUI"}, {14, "AF_SECURITY"},
    {15, "AF_KEY"},      {16, "AF_NETLINK"}, {17, "AF_PACKET"}, {19, "AF_ECONET"}, {20, "AF_ATMSVC"},
    {21, "AF_RDS"},      {23, "AF_IRDA"},    {24, "AF_PPPOX"},  {25, "AF_WANPIPE"}, {26, "AF_LLC"},
    {27, "AF_IB"},       {28, "AF_MPLS"},    {29, "AF_CAN"},    {30, "AF_TIPC"},    {31, "AF_BLUETOOTH"},
    {32, "AF_IUCV"},     {33, "AF_RXRPC"},   {34, "AF_ISDN"},   {35, "AF_PHONET"},  {36, "AF_IEEE802154"},
    {37, "AF_CAIF"},     {38, "AF_ALG"},     {39, "AF_NFC"},    {40, "AF_VSOCK"},   {41, "AF_KCM"},
    {42, "AF_QIPCRTR"},  {43, "AF_SMC"},     {44, "AF_XDP"},    {45, "AF_MCTP"},
};

// linux/net.h: the type in the low four bits, then SOCK_NONBLOCK and
// SOCK_CLOEXEC, which are O_NONBLOCK and O_CLOEXEC.
constexpr uint64_t kSockTypeMask = 0xf;
constexpr Name kSockTypes[] = {
    {1, "SOCK_STREAM"}, {2, "SOCK_DGRAM"}, {3, "SOCK_RAW"}, {4, "SOCK_RDM"},
    {5, "SOCK_SEQPACKET"}, {6, "SOCK_DCCP"}, {10, "SOCK_PACKET"},
};
constexpr Name kSockFlags[] = {{04000, "SOCK_NONBLOCK"}, {02000000, "SOCK_CLOEXEC"}};

// linux/prctl.h.
constexpr Name kPrctl[] = {
    {1, "PR_SET_PDEATHSIG"},     {2, "PR_GET_PDEATHSIG"},       {3, "PR_GET_DUMPABLE"},
    {4, "PR_SET_DUMPABLE"},      {5, "PR_GET_UNALIGN"},         {6, "PR_SET_UNALIGN"},
    {7, "PR_GET_KEEPCAPS"},      {8, "PR_SET_KEEPCAPS"},        {9, "PR_GET_FPEMU"},
    {10, "PR_SET_FPEMU"},        {11, "PR_GET_FPEXC"},          {12, "PR_SET_FPEXC"},
    {13, "PR_GET_TIMING"},       {14, "PR_SET_TIMING"},         {15, "PR_SET_NAME"},
    {16, "PR_GET_NAME"},         {19, "PR_GET_ENDIAN"},         {20, "PR_SET_ENDIAN"},
    {21, "PR_GET_SECCOMP"},      {22, "PR_SET_SECCOMP"},        {23, "PR_CAPBSET_READ"},
    {24, "PR_CAPBSET_DROP"},     {25, "PR_GET_TSC"},            {26, "PR_SET_TSC"},
    {27, "PR_GET_SECUREBITS"},   {28, "PR_SET_SECUREBITS"},     {29, "PR_SET_TIMERSLACK"},
    {30, "PR_GET_TIMERSLACK"},   {31, "PR_TASK_PERF_EVENTS_DISABLE"}, {32, "PR_TASK_PERF_EVENTS_ENABLE"},
    {33, "PR_MCE_KILL"},         {34, "PR_MCE_KILL_GET"},       {35, "PR_SET_MM"},
    {36, "PR_SET_CHILD_SUBREAPER"}, {37, "PR_GET_CHILD_SUBREAPER"}, {38, "PR_SET_NO_NEW_PRIVS"},
    {39, "PR_GET_NO_NEW_PRIVS"}, {40, "PR_GET_TID_ADDRESS"},    {41, "PR_SET_THP_DISABLE"},
    {42, "PR_GET_THP_DISABLE"},  {43, "PR_MPX_ENABLE_MANAGEMENT"}, {44, "PR_MPX_DISABLE_MANAGEMENT"},
    {45, "PR_SET_FP_MODE"},      {46, "PR_GET_FP_MODE"},        {47, "PR_CAP_AMBIENT"},
    {50, "PR_SVE_SET_VL"},       {51, "PR_SVE_GET_VL"},         {52, "PR_GET_SPECULATION_CTRL"},
    {53, "PR_SET_SPECULATION_CTRL"}, {54, "PR_PAC_RESET_KEYS"}, {55, "PR_SET_TAGGED_ADDR_CTRL"},
    {56, "PR_GET_TAGGED_ADDR_CTRL"}, {57, "PR_SET_IO_FLUSHER"}, {58, "PR_GET_IO_FLUSHER"},
    {59, "PR_SET_SYSCALL_USER_DISPATCH"}, {60, "PR_PAC_SET_ENABLED_KEYS"}, {61, "PR_PAC_GET_ENABLED_KEYS"},
    {62, "PR_SCHED_CORE"},       {63, "PR_SME_SET_VL"},         {64, "PR_SME_GET_VL"},
    {0x53564d41, "PR_SET_VMA"},  {0x59616d61, "PR_SET_PTRACER"},
};

// x86-64's asm/prctl.h; riscv64 has no arch_prctl.
constexpr Name kArchPrctlX86[] = {
    {0x1001, "ARCH_SET_GS"},         {0x1002, "ARCH_SET_FS"},          {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"},         {0x1011, "ARCH_GET_CPUID"},       {0x1012, "ARCH_SET_CPUID"},
    {0x1021, "ARCH_GET_XCOMP_SUPP"}, {0x1022, "ARCH_GET_XCOMP_PERM"},  {0x1023, "ARCH_REQ_XCOMP_PERM"},
    {0x1024, "ARCH_GET_XCOMP_GUEST_PERM"}, {0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"},
    {0x2001, "ARCH_MAP_VDSO_X32"},   {0x2002, "ARCH_MAP_VDSO_32"},     {0x2003, "ARCH_MAP_VDSO_64"},
};

// linux/time.h. Negative ids are other processes' CPU clocks: numbers.
constexpr Name kClocks[] = {
    {0, "CLOCK_REALTIME"},         {1, "CLOCK_MONOTONIC"},        {2, "CLOCK_PROCESS_CPUTIME_ID"},
    {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"},   {5, "CLOCK_REALTIME_COARSE"},
    {6, "CLOCK_MONOTONIC_COARSE"}, {7, "CLOCK_BOOTTIME"},         {8, "CLOCK_REALTIME_ALARM"},
    {9, "CLOCK_BOOTTIME_ALARM"},   {11, "CLOCK_TAI"},
};
constexpr Name kTimerFlags[] = {{1, "TIMER_ABSTIME"}};

// linux/eventpoll.h.
constexpr Name kEpollCtl[] = {{1, "EPOLL_CTL_ADD"}, {2, "EPOLL_CTL_DEL"}, {3, "EPOLL_CTL_MOD"}};

constexpr size_t kMaxShownString = 64;

}  // namespace

std::string open_flags(uint64_t flags) {
  const char* mode = find_name(flags & kAccessModeMask, kAccessModes);
  std::string out = mode ? mode : hex(flags & kAccessModeMask);
  uint64_t rest = flags & ~kAccessModeMask;
  add_flags(out, rest, kOpenFlags);
  return finish(std::move(out), rest);
}

std::string fd_open_flags(uint64_t flags) { return flag_set(flags, kOpenFlags); }

std::string at_flags(uint64_t flags) { return flag_set(flags, kAtFlags); }

std::string faccessat_flags(uint64_t flags) {
  std::string out;
  add_flags(out, flags, kAtEaccess);
  add_flags(out, flags, kAtFlags);
  return finish(std::move(out), flags);
}

std::string unlinkat_flags(uint64_t flags) { return flag_set(flags, kAtRemovedir); }

std::string access_mode(uint64_t mode) { return mode == 0 ? "F_OK" : flag_set(mode, kAccessBits); }

std::string file_mode(uint64_t mode) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0%02llo", static_cast<unsigned long long>(mode));  // 0644, 000
  return buf;
}

std::string mmap_prot(uint64_t prot) { return prot == 0 ? "PROT_NONE" : flag_set(prot, kProt); }

std::string mmap_flags(uint64_t flags, Arch arch) {
  std::string out;
  if (uint64_t type = flags & kMapTypeMask) {
    const char* name = find_name(type, kMapTypes);
    out = name ? name : hex(type);
  }
  uint64_t rest = flags & ~kMapTypeMask;
  add_flags(out, rest, kMapFlags);
  if (GuestAbi::of(arch).has_map_32bit) add_flags(out, rest, kMapFlagsX86);
  return finish(std::move(out), rest);
}

std::string madvise_advice(uint64_t advice) { return enum_int(advice, kMadvise); }

std::string fcntl_command(uint64_t cmd) { return enum_int(cmd, kFcntlCommands); }

std::optional<std::string> fcntl_argument(uint64_t cmd, uint64_t arg) {
  switch (static_cast<uint32_t>(cmd)) {
    case kF_GETFD: case kF_GETFL: case kF_GETOWN: case kF_GETSIG: case kF_GETLEASE: case kF_GETPIPE_SZ:
    case kF_GET_SEALS:
      return std::nullopt;
    case kF_DUPFD: case kF_DUPFD_CLOEXEC: case kF_SETOWN: case kF_SETPIPE_SZ:
      return decimal(static_cast<int32_t>(arg));
    case kF_SETFD: return flag_set(arg, kFdFlags);
    case kF_SETFL: return open_flags(arg);
    case kF_SETSIG: return signal_name(arg);
    case kF_SETLEASE: return enum_int(arg, kLockTypes);
    case kF_NOTIFY: return flag_set(static_cast<uint32_t>(arg), kDnotify);
    case kF_ADD_SEALS: return flag_set(static_cast<uint32_t>(arg), kSeals);
    case kF_GETLK: case kF_SETLK: case kF_SETLKW: case kF_OFD_GETLK: case kF_OFD_SETLK: case kF_OFD_SETLKW:
    case kF_SETOWN_EX: case kF_GETOWN_EX: case kF_GETOWNER_UIDS: case kF_GET_RW_HINT: case kF_SET_RW_HINT:
    case kF_GET_FILE_RW_HINT: case kF_SET_FILE_RW_HINT:
      return arg ? hex(arg) : "NULL";  // a pointer to a struct
    default: return hex(arg);
  }
}

std::string flock_operation(uint64_t op) { return flag_set(op, kFlock); }

std::string signal_name(uint64_t sig) {
  int32_t s = static_cast<int32_t>(sig);
  if (const char* name = find_name(static_cast<uint32_t>(s), kSignals)) return name;
  if (s == static_cast<int32_t>(kSigRtMin)) return "SIGRTMIN";
  if (s == static_cast<int32_t>(kSigRtMax)) return "SIGRTMAX";
  if (s > static_cast<int32_t>(kSigRtMin) && s < static_cast<int32_t>(kSigRtMax))
    return "SIGRTMIN+" + std::to_string(s - kSigRtMin);
  return decimal(s);
}

std::string sigprocmask_how(uint64_t how) { return enum_int(how, kSigprocmaskHow); }

std::string clone_flags(uint64_t flags) {
  std::string out;
  uint64_t rest = flags & ~kCloneSignalMask;
  add_flags(out, rest, kCloneFlags);
  if (uint64_t sig = flags & kCloneSignalMask) add_part(out, signal_name(sig));
  return finish(std::move(out), rest);
}

std::string wait_options(uint64_t options) { return flag_set(static_cast<uint32_t>(options), kWaitOptions); }

std::string lseek_whence(uint64_t whence) { return enum_int(whence, kWhence); }

std::string futex_op(uint64_t op) {
  uint64_t v = static_cast<uint32_t>(op);
  uint64_t cmd = v & kFutexCmdMask;
  std::string out;
  if (const char* name = find_name(cmd, kFutexCommands)) {
    out = name;
    if (v & kFutexPrivate) out += "_PRIVATE";
  } else {
    out = decimal(static_cast<int64_t>(cmd));
    if (v & kFutexPrivate) out += "|FUTEX_PRIVATE_FLAG";
  }
  if (v & kFutexClockRealtime) out += "|FUTEX_CLOCK_REALTIME";
  uint64_t rest = v & ~(kFutexCmdMask | kFutexPrivate | kFutexClockRealtime);
  return finish(std::move(out), rest);
}

std::string socket_domain(uint64_t domain) { return enum_int(domain, kDomains); }

std::string socket_type(uint64_t type) {
  uint64_t v = static_cast<uint32_t>(type);
  std::string out;
  if (uint64_t t = v & kSockTypeMask) {
    const char* name = find_name(t, kSockTypes);
    out = name ? name : decimal(static_cast<int64_t>(t));
  }
  uint64_t rest = v & ~kSockTypeMask;
  add_flags(out, rest, kSockFlags);
  return finish(std::move(out), rest);
}

std::string prctl_option(uint64_t option) { return enum_int(option, kPrctl); }

std::string arch_prctl_code(uint64_t code, Arch arch) {
  if (GuestAbi::of(arch).has_arch_prctl)
    if (const char* name = find_name(static_cast<uint32_t>(code), kArchPrctlX86)) return name;
  return hex(static_cast<uint32_t>(code));
}

std::string clock_id(uint64_t clock) { return enum_int(clock, kClocks); }

std::string clock_nanosleep_flags(uint64_t flags) { return flag_set(static_cast<uint32_t>(flags), kTimerFlags); }

std::string epoll_ctl_op(uint64_t op) { return enum_int(op, kEpollCtl); }

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s.substr(0, kMaxShownString)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  if (s.size() > kMaxShownString) out += "...";
  return out;
}

namespace {

// One argument, or nullopt when it is left out of the line.
std::optional<std::string> format_arg(char letter, const uint64_t args[6], int i, Arch arch,
                                      const StringReader& read) {
  uint64_t a = args[i];
  uint64_t previous = i > 0 ? args[i - 1] : 0;
  switch (letter) {
    case 'd': return decimal(static_cast<int32_t>(a));  // an int: the kernel reads the low 32 bits
    case 'l': return decimal(static_cast<int64_t>(a));
    case 'u': return std::to_string(a);
    case 'p': return a ? hex(a) : "NULL";
    case 'f': return static_cast<int32_t>(a) == -100 ? "AT_FDCWD" : decimal(static_cast<int32_t>(a));
    case 's': {
      if (!a) return "NULL";
      std::optional<std::string> s = read ? read(a) : std::nullopt;
      return s ? quoted(*s) : hex(a);
    }
    case 'o': return file_mode(static_cast<uint32_t>(a));
    case 'm':  // only a call that may create a file (O_CREAT, O_TMPFILE) reads its mode
      if (!(previous & (kOCreat | kOTmpfileBit))) return std::nullopt;
      return file_mode(static_cast<uint32_t>(a));
    case 'O': return open_flags(static_cast<uint32_t>(a));
    case 'N': return fd_open_flags(static_cast<uint32_t>(a));
    case 'A': return at_flags(static_cast<uint32_t>(a));
    case 'E': return faccessat_flags(static_cast<uint32_t>(a));
    case 'U': return unlinkat_flags(static_cast<uint32_t>(a));
    case 'a': return access_mode(static_cast<uint32_t>(a));
    case 'P': return mmap_prot(a);
    case 'M': return mmap_flags(a, arch);
    case 'v': return madvise_advice(a);
    case 'F': return fcntl_command(a);
    case 'g': return fcntl_argument(previous, a);
    case 'L': return flock_operation(static_cast<uint32_t>(a));
    case 'S': return signal_name(a);
    case 'h': return sigprocmask_how(a);
    case 'C': return clone_flags(a);
    case 'W': return wait_options(a);
    case 'w': return lseek_whence(a);
    case 'X': return futex_op(a);
    case 'D': return socket_domain(a);
    case 'T': return socket_type(a);
    case 'R': return prctl_option(a);
    case 'r': return arch_prctl_code(a, arch);
    case 'k': return clock_id(a);
    case 't': return clock_nanosleep_flags(a);
    case 'e': return epoll_ctl_op(a);
    default: return hex(a);  // 'x' and anything unknown
  }
}

}  // namespace

bool is_format_letter(char c) { return c && std::strchr("dlupxsfomONAEUaPMvFgLSChWwXDTRrkte", c); }

std::string format_args(const char* formats, const uint64_t args[6], Arch arch, const StringReader& read) {
  if (!formats) formats = "xxxxxx";
  std::string out;
  bool first = true;
  for (int i = 0; i < 6 && formats[i]; i++) {
    std::optional<std::string> arg = format_arg(formats[i], args, i, arch, read);
    if (!arg) continue;
    if (!first) out += ", ";
    out += *arg;
    first = false;
  }
  return out;
}

std::string format_result(uint64_t ret) {
  int64_t sret = static_cast<int64_t>(ret);
  if (sret < 0 && sret > -4096) {
    int err = static_cast<int>(-sret);
    const char* name = strerrorname_np(err);
    return "-1 " + std::string(name ? name : "?") + " (" + std::strerror(err) + ")";
  }
  if (ret < (1u << 20)) return std::to_string(ret);
  return hex(ret);
}

std::string format_call(std::string_view name, const char* formats, const uint64_t args[6], uint64_t ret, Arch arch,
                        const StringReader& read) {
  std::string out(name);
  out += '(';
  out += format_args(formats, args, arch, read);
  out += ") = ";
  out += format_result(ret);
  return out;
}

}  // namespace vmrun::strace
