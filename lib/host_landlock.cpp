// Landlock for the emulator process (raw syscalls: glibc has no wrappers).
#include "lib/host_landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace vmrun {
namespace {

// Rights by ABI version (older kernels reject bits they do not know).
constexpr uint64_t kAbi1Rights = (1ull << 13) - 1;  // EXECUTE .. MAKE_SYM
constexpr uint64_t kRefer = 1ull << 13;              // ABI 2
constexpr uint64_t kTruncate = 1ull << 14;           // ABI 3
constexpr uint64_t kRead = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

// Only the first field: the struct grew in later kernels (networking).
struct RulesetAttr {
  uint64_t handled_access_fs;
};

struct PathBeneath {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

}  // namespace

int landlock_abi_version() {
  long v = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return v < 0 ? 0 : static_cast<int>(v);
}

LandlockStatus restrict_host_paths(const std::vector<LandlockPath>& paths, std::string* error) {
  int abi = landlock_abi_version();
  if (abi <= 0) return LandlockStatus::Unsupported;
  uint64_t handled = kAbi1Rights | (abi >= 2 ? kRefer : 0) | (abi >= 3 ? kTruncate : 0);
  RulesetAttr attr{handled};
  int ruleset = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
  if (ruleset < 0) {
    *error = std::string("landlock_create_ruleset: ") + std::strerror(errno);
    return LandlockStatus::Failed;
  }
  for (const LandlockPath& p : paths) {
    int fd = open(p.host_dir.c_str(), O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0) continue;  // nothing to allow; the VFS reports missing dirs itself
    PathBeneath rule{p.writable ? handled & ~uint64_t{LANDLOCK_ACCESS_FS_EXECUTE} : kRead, fd};
    long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(fd);
    if (rc != 0) {
      close(ruleset);
      *error = "landlock_add_rule " + p.host_dir + ": " + std::strerror(saved);
      return LandlockStatus::Failed;
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
    *error = std::string("landlock_restrict_self: ") + std::strerror(errno);
    close(ruleset);
    return LandlockStatus::Failed;
  }
  close(ruleset);
  return LandlockStatus::Enforced;
}

}  // namespace vmrun
