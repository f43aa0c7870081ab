// Sparse page storage of in-memory regular files (see file_data.h).
#include "rootfs/file_data.h"

#include <algorithm>
#include <cstring>

namespace vmrun::fs {

namespace {

// Pages [first, last] that cover the bytes [begin, end), end > begin.
struct PageRange {
  uint64_t first, last;
};
PageRange pages_of(uint64_t begin, uint64_t end) { return {begin / FileData::kPage, (end - 1) / FileData::kPage}; }

}  // namespace

uint64_t FileData::stored_after_resize(uint64_t size) const {
  uint64_t s = stored_;
  if (size < size_) {
    uint64_t first_gone = (size + kPage - 1) / kPage;
    for (auto it = pages_.lower_bound(first_gone); it != pages_.end(); ++it) s -= it->second.bytes.size();
  }
  uint64_t lo = std::min(size, size_);
  if (lo == 0) return s;
  auto it = pages_.find((lo - 1) / kPage);
  if (it != pages_.end()) s = s - it->second.bytes.size() + page_len(it->first, size);
  return s;
}

uint64_t FileData::stored_after_write(uint64_t off, uint64_t n) const {
  if (n == 0) return stored_;
  uint64_t end = off + n;
  uint64_t new_size = std::max(size_, end);
  uint64_t s = stored_after_resize(new_size);
  // Every page of the range ends up holding page_len bytes; the ones
  // already there (resized above) hold them already.
  PageRange r = pages_of(off, end);
  uint64_t range_bytes = std::min(new_size, (r.last + 1) * kPage) - r.first * kPage;
  uint64_t present = 0;
  for (auto it = pages_.lower_bound(r.first); it != pages_.end() && it->first <= r.last; ++it)
    present += page_len(it->first, new_size);
  return s + range_bytes - present;
}

uint64_t FileData::stored_after_allocate(uint64_t off, uint64_t len) const {
  uint64_t end = std::min(off + len, size_);
  if (len == 0 || off >= end) return stored_;
  PageRange r = pages_of(off, end);
  uint64_t range_bytes = std::min(size_, (r.last + 1) * kPage) - r.first * kPage;
  uint64_t present = 0;
  for (auto it = pages_.lower_bound(r.first); it != pages_.end() && it->first <= r.last; ++it)
    present += it->second.bytes.size();
  return stored_ + range_bytes - present;
}

void FileData::set_size(uint64_t size) {
  if (size == size_) return;
  if (size < size_) {
    uint64_t first_gone = (size + kPage - 1) / kPage;
    for (auto it = pages_.lower_bound(first_gone); it != pages_.end();) {
      stored_ -= it->second.bytes.size();
      it = pages_.erase(it);
    }
  }
  // The page holding the smaller of the two ends changes length: cut
  // when shrinking (the bytes past the new end must read as zeros if the
  // file grows again), zero-extended when growing.
  uint64_t lo = std::min(size, size_);
  if (lo != 0) {
    auto it = pages_.find((lo - 1) / kPage);
    if (it != pages_.end()) {
      uint64_t want = page_len(it->first, size);
      uint64_t had = it->second.bytes.size();
      it->second.bytes.resize(want, '\0');  // may throw: nothing has changed yet when growing
      stored_ = stored_ - had + want;
    }
  }
  size_ = size;
}

FileData::Page& FileData::page_at(uint64_t index) {
  auto it = pages_.lower_bound(index);
  if (it != pages_.end() && it->first == index) return it->second;
  uint64_t len = page_len(index, size_);
  it = pages_.emplace_hint(it, index, Page{std::string(len, '\0'), false});
  stored_ += len;
  return it->second;
}

void FileData::write(const void* buf, size_t n, uint64_t off) {
  if (n == 0) return;
  uint64_t end = off + n;
  if (end > size_) set_size(end);
  const char* src = static_cast<const char*>(buf);
  for (uint64_t pos = off; pos < end;) {
    uint64_t index = pos / kPage, in_page = pos % kPage;
    uint64_t chunk = std::min(kPage - in_page, end - pos);
    Page& page = page_at(index);
    std::memcpy(page.bytes.data() + in_page, src + (pos - off), chunk);
    page.written = true;
    pos += chunk;
  }
}

size_t FileData::read(void* buf, size_t n, uint64_t off) const {
  if (off >= size_ || n == 0) return 0;
  uint64_t k = std::min<uint64_t>(n, size_ - off);
  uint64_t end = off + k;
  char* dst = static_cast<char*>(buf);
  auto it = pages_.lower_bound(off / kPage);
  for (uint64_t pos = off; pos < end;) {
    uint64_t index = pos / kPage, in_page = pos % kPage;
    uint64_t chunk = std::min(kPage - in_page, end - pos);
    if (it != pages_.end() && it->first == index) {
      std::memcpy(dst + (pos - off), it->second.bytes.data() + in_page, chunk);
      ++it;
    } else {
      std::memset(dst + (pos - off), 0, chunk);
    }
    pos += chunk;
  }
  return static_cast<size_t>(k);
}

void FileData::resize(uint64_t size) { set_size(size); }

void FileData::allocate(uint64_t off, uint64_t len) {
  uint64_t end = std::min(off + len, size_);
  if (len == 0 || off >= end) return;
  PageRange r = pages_of(off, end);
  for (uint64_t index = r.first; index <= r.last; ++index) page_at(index);
}

void FileData::punch_hole(uint64_t off, uint64_t len) {
  uint64_t end = std::min(off + len, size_);
  if (len == 0 || off >= end) return;
  PageRange r = pages_of(off, end);
  for (auto it = pages_.lower_bound(r.first); it != pages_.end() && it->first <= r.last;) {
    uint64_t start = it->first * kPage;
    uint64_t page_end = start + it->second.bytes.size();
    uint64_t lo = std::max(off, start), hi = std::min(end, page_end);
    if (lo == start && hi == page_end) {
      stored_ -= it->second.bytes.size();
      it = pages_.erase(it);
      continue;
    }
    if (hi > lo) std::memset(it->second.bytes.data() + (lo - start), 0, hi - lo);
    ++it;
  }
}

std::optional<uint64_t> FileData::next_data(uint64_t off) const {
  if (off >= size_) return std::nullopt;
  for (auto it = pages_.lower_bound(off / kPage); it != pages_.end(); ++it)
    if (it->second.written) return std::max(off, it->first * kPage);
  return std::nullopt;
}

uint64_t FileData::next_hole(uint64_t off) const {
  uint64_t index = off / kPage;
  for (auto it = pages_.find(index); it != pages_.end() && it->first == index && it->second.written; ++it) ++index;
  return std::max(off, std::min(index * kPage, size_));
}

std::string FileData::contents() const {
  std::string out(size_, '\0');
  for (const auto& [index, page] : pages_) std::memcpy(out.data() + index * kPage, page.bytes.data(), page.bytes.size());
  return out;
}

void FileData::assign(const std::string& bytes) {
  pages_.clear();
  stored_ = 0;
  size_ = bytes.size();
  for (uint64_t start = 0; start < size_; start += kPage) {
    uint64_t index = start / kPage;
    pages_.emplace_hint(pages_.end(), index, Page{bytes.substr(start, page_len(index, size_)), true});
    stored_ += page_len(index, size_);
  }
}

}  // namespace vmrun::fs
