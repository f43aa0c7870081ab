// A UTS namespace, and the descriptor that holds one (/proc/<pid>/ns/uts,
// setns(2)).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>

#include "emu/files/anon_inode.h"
#include "rootfs/file.h"

namespace vmrun {

// A UTS namespace: uname's nodename and domainname, each at most 64 bytes
// (Linux's __NEW_UTS_LEN). The run starts as one, private: its tasks share
// it (unshare or clone with CLONE_NEWUTS gives a task its own copy), other
// runs never see it.
struct UtsNames {
  static constexpr size_t kMaxLen = 64;
  std::string hostname, domainname = "(none)";
  // Its number in /proc/<pid>/ns/uts ("uts:[N]"): the run's first is
  // Linux's initial one, each copy takes the run's next.
  std::shared_ptr<uint64_t> last_id = std::make_shared<uint64_t>(4026531838u);
  uint64_t id = *last_id;
  // A new namespace with the same names.
  std::shared_ptr<UtsNames> copy() const {
    auto n = std::make_shared<UtsNames>(*this);
    n->id = ++*last_id;
    return n;
  }
};

// An open /proc/<pid>/ns/uts: keeps the namespace alive; setns(fd,
// CLONE_NEWUTS) joins it. Its inode number is the namespace's (what
// readlink shows), on nsfs's device, as Linux's stat shows it.
class UtsNamespaceFile final : public fs::File {
 public:
  explicit UtsNamespaceFile(std::shared_ptr<UtsNames> ns) : ns_(std::move(ns)) {}
  const std::shared_ptr<UtsNames>& names() const { return ns_; }
  Result<fs::Attr> stat() override {
    fs::Attr a = anon_inode_attr();
    a.mode = S_IFREG | 0444;
    a.ino = ns_->id;
    a.dev = 4;  // nsfs
    return a;
  }

 private:
  std::shared_ptr<UtsNames> ns_;
};

}  // namespace vmrun
