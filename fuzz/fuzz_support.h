// Helpers shared by the fuzzers: temporary host trees, a minimal static
// ELF built in memory, quiet logging.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vmrun/sandbox.h"

namespace vmrun::fuzz {

// A host directory removed (recursively, never following symlinks) at exit.
class TempDir {
 public:
  explicit TempDir(const char* prefix = "vmrun-fuzz");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Remove everything below `dir` (not `dir` itself); symlinks are removed,
// never followed. Directories are made writable first.
void remove_tree_contents(const std::string& dir);
void remove_tree(const std::string& dir);

// Host file helpers; they abort on failure (the harness is broken then).
void write_host_file(const std::string& path, std::string_view data, unsigned mode = 0644);
void make_host_dir(const std::string& path, unsigned mode = 0755);
void make_host_symlink(const std::string& target, const std::string& path);

// Guest layout of the minimal executable: code at kCodeAddr (the entry
// point, in an R-X segment that also holds the headers), and kDataSize
// bytes of zeroed read-write memory at kDataAddr.
constexpr uint64_t kCodeAddr = 0x401000;
constexpr uint64_t kDataAddr = 0x600000;
constexpr uint64_t kDataSize = 0x10000;
// A static ET_EXEC for `arch` whose entry point holds `code`.
std::string minimal_elf(Arch arch, std::string_view code);

// spdlog to "off" (the guest's unimplemented syscalls would flood stderr).
void quiet_logging();


// A hash of every entry below `dir` (type, permissions, size, inode, link
// count, owner, mtime, ctime; names), without following symlinks; entries
// whose path is in `skip_below` are hashed without their contents. Cheap
// enough to run after every input.
uint64_t host_tree_hash(const std::string& dir, const std::string& skip_below = {});
// The same entries as text, one line each (for the message when the hash
// changed).
std::string host_tree_text(const std::string& dir, const std::string& skip_below = {});

// The host fds of this process and what they refer to (/proc/self/fd).
std::vector<std::pair<int, std::string>> host_fds();

// The default root filesystem built by scripts/setup.sh for `arch`.
std::string default_rootfs(Arch arch);

// Abort with a message (a finding: libFuzzer records the input).
[[noreturn]] void fail(const std::string& what);

}  // namespace vmrun::fuzz
