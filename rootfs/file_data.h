// The bytes of an in-memory regular file, kept sparse: a file is a
// logical size plus the 4 KiB pages that were ever written (or
// fallocate'd). A page never written is a hole: it reads as zeros and
// holds no memory, so `truncate -s 2G` or a write at offset 2^31 costs
// one page, not two gigabytes (tmpfs behaves the same way).
//
// Accounting: stored() is what the pages hold, where each page holds the
// part of its 4 KiB that lies below the file size. A dense file therefore
// stores exactly its size (the --max-disk quota means what it always
// meant), and a sparse one only what was written. st_blocks counts whole
// pages (8 blocks each), as tmpfs reports them.
//
// Callers check the quota with stored_after_*() first, then act. A
// mutation that runs out of host memory (std::bad_alloc) may have done
// part of its work, but leaves the pages consistent and stored() exact.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace vmrun::fs {

class FileData {
 public:
  static constexpr uint64_t kPage = 4096;

  uint64_t size() const { return size_; }
  uint64_t stored() const { return stored_; }
  uint64_t pages() const { return pages_.size(); }

  // What stored() would be after the call of the same name.
  uint64_t stored_after_write(uint64_t off, uint64_t n) const;
  uint64_t stored_after_resize(uint64_t size) const;
  uint64_t stored_after_allocate(uint64_t off, uint64_t len) const;

  // Writes [off, off+n), growing the file; allocates the touched pages.
  void write(const void* buf, size_t n, uint64_t off);
  // Reads up to n bytes at off (holes read as zeros); 0 at or past the end.
  size_t read(void* buf, size_t n, uint64_t off) const;
  // Sets the size: shrinking frees the pages past it, growing adds a hole.
  void resize(uint64_t size);
  // Allocates (zero-filled) every page of [off, off+len) below the size.
  void allocate(uint64_t off, uint64_t len);
  // Zeroes [off, off+len) and frees the pages wholly inside it; the size
  // does not change.
  void punch_hole(uint64_t off, uint64_t len);
  // lseek's SEEK_DATA / SEEK_HOLE from off (< size): the first byte at or
  // after off in a page that holds data / in a hole (the end of the file
  // counts as a hole; so does a page fallocate'd and never written, as
  // Linux's disk filesystems and tmpfs report them). nullopt: no data at
  // or after off.
  std::optional<uint64_t> next_data(uint64_t off) const;
  uint64_t next_hole(uint64_t off) const;

  // The whole contents as one string, and the reverse.
  std::string contents() const;
  void assign(const std::string& bytes);

 private:
  uint64_t page_len(uint64_t index, uint64_t file_size) const {
    uint64_t start = index * kPage;
    return file_size > start ? std::min<uint64_t>(kPage, file_size - start) : 0;
  }
  // Changes size_, dropping the pages past a new end and cutting or
  // zero-extending the page at the smaller end; keeps stored_ exact.
  void set_size(uint64_t size);
  struct Page {
    std::string bytes;     // the page's part below size_
    bool written = false;  // false: allocated by fallocate and not written since (a hole for SEEK_DATA/SEEK_HOLE, as on Linux)
  };
  Page& page_at(uint64_t index);

  std::map<uint64_t, Page> pages_;  // page index -> page
  uint64_t size_ = 0;
  uint64_t stored_ = 0;
};

}  // namespace vmrun::fs
