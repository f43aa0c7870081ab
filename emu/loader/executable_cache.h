// The bytes of recently executed programs that cannot change under the
// sandbox (fs::File::content_key: read-only host files), kept for the run.
//
// Why: a shell script execs the same busybox again and again; reading its
// 2 MiB into fresh memory each time (page faults, zeroing, the copy) was a
// quarter of a fork+exec+wait on riscv64 (perf, bench/RESULTS.md).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

namespace vmrun {

class ExecutableCache {
 public:
  static constexpr size_t kMaxEntries = 8;
  static constexpr uint64_t kMaxBytes = 64ull << 20;

  std::shared_ptr<const std::string> find(uint64_t key) {
    if (key == 0) return nullptr;
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first != key) continue;
      auto bytes = it->second;
      entries_.erase(it);
      entries_.emplace_front(key, bytes);  // most recent first
      return bytes;
    }
    return nullptr;
  }

  void insert(uint64_t key, std::shared_ptr<const std::string> bytes) {
    if (key == 0 || bytes->size() > kMaxBytes / 2) return;
    entries_.emplace_front(key, std::move(bytes));
    uint64_t total = 0;
    size_t keep = 0;
    for (; keep < entries_.size() && keep < kMaxEntries; keep++) {
      total += entries_[keep].second->size();
      if (total > kMaxBytes) break;
    }
    entries_.resize(keep);
  }

 private:
  std::deque<std::pair<uint64_t, std::shared_ptr<const std::string>>> entries_;
};

}  // namespace vmrun
