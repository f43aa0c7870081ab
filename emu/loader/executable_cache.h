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
#include <string_view>
#include <utility>

namespace vmrun {

// A program file's bytes, read once. The buffer is not zeroed before the
// file is read over it, and a large one sits on transparent huge pages:
// python3's 6.6 MiB then costs 4 page faults instead of ~1,700. Each was
// worth ~3 % of `python3 -c pass` (bench/RESULTS.md, "Program files read
// without zeroing, on huge pages").
class ProgramBytes {
 public:
  explicit ProgramBytes(size_t size);
  ~ProgramBytes();
  ProgramBytes(const ProgramBytes&) = delete;
  ProgramBytes& operator=(const ProgramBytes&) = delete;

  char* data() { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }
  void truncate(size_t size) { size_ = size < size_ ? size : size_; }

 private:
  char* data_ = nullptr;
  size_t size_;
  size_t mapped_ = 0;  // bytes of our own mapping; 0: data_ is from new[]
};

class ExecutableCache {
 public:
  static constexpr size_t kMaxEntries = 8;
  static constexpr uint64_t kMaxBytes = 64ull << 20;

  std::shared_ptr<const ProgramBytes> find(uint64_t key) {
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

  void insert(uint64_t key, std::shared_ptr<const ProgramBytes> bytes) {
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
  std::deque<std::pair<uint64_t, std::shared_ptr<const ProgramBytes>>> entries_;
};

}  // namespace vmrun
