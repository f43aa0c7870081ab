// Sparse in-memory file storage (rootfs/file_data.h) against a dense model:
// random writes, truncations, punched holes and allocations must read back
// what a plain byte string holds, stored() must equal what the pages hold
// and what stored_after_*() predicted, and SEEK_DATA/SEEK_HOLE must agree
// with the written pages.
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "rootfs/file_data.h"

using vmrun::fs::FileData;

namespace {

constexpr uint64_t kPage = FileData::kPage;

std::string read_all(const FileData& d) {
  std::string out(d.size(), '?');
  REQUIRE(d.read(out.data(), out.size(), 0) == out.size());
  return out;
}

}  // namespace

TEST_CASE("a hole costs nothing and reads as zeros") {
  FileData d;
  CHECK(d.stored_after_resize(3ull << 30) == 0);
  d.resize(3ull << 30);
  CHECK(d.size() == 3ull << 30);
  CHECK(d.stored() == 0);
  CHECK(d.pages() == 0);
  char buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  CHECK(d.read(buf, sizeof buf, 2ull << 30) == sizeof buf);
  CHECK(std::string(buf, 8) == std::string(8, '\0'));
  CHECK(d.read(buf, sizeof buf, 3ull << 30) == 0);
  CHECK_FALSE(d.next_data(0).has_value());
  CHECK(d.next_hole(12345) == 12345);

  // Three bytes in the middle take their whole page, and nothing else.
  CHECK(d.stored_after_write(2ull << 30, 3) == kPage);
  d.write("abc", 3, 2ull << 30);
  CHECK(d.stored() == kPage);
  CHECK(d.pages() == 1);
  CHECK(d.next_data(0) == 2ull << 30);
  CHECK(d.next_hole(2ull << 30) == (2ull << 30) + kPage);
}

TEST_CASE("a dense file stores exactly its size") {
  FileData d;
  std::string text(10000, 'x');
  d.write(text.data(), text.size(), 0);
  CHECK(d.stored() == 10000);
  CHECK(d.pages() == 3);
  d.write("y", 1, 10000);  // appending grows the last page only
  CHECK(d.stored() == 10001);
  d.resize(5000);
  CHECK(d.stored() == 5000);
  CHECK(d.pages() == 2);
  d.resize(9000);  // the cut page grows back with zeros; the new part is a hole
  CHECK(d.stored() == 8192);
  CHECK(read_all(d) == std::string(5000, 'x') + std::string(4000, '\0'));
  d.assign("hello");
  CHECK(d.stored() == 5);
  CHECK(d.contents() == "hello");
}

TEST_CASE("SEEK_DATA and SEEK_HOLE follow written pages; fallocate'd ones are holes") {
  FileData d;
  d.resize(10 * kPage);
  d.write("a", 1, 2 * kPage + 5);
  d.write("b", 1, 3 * kPage);
  CHECK(d.next_data(0) == 2 * kPage);
  CHECK(d.next_data(2 * kPage + 7) == 2 * kPage + 7);
  CHECK(d.next_hole(2 * kPage) == 4 * kPage);
  CHECK_FALSE(d.next_data(4 * kPage).has_value());
  d.allocate(5 * kPage, kPage * 2);
  CHECK(d.pages() == 4);
  CHECK_FALSE(d.next_data(4 * kPage).has_value());
  CHECK(d.next_hole(5 * kPage) == 5 * kPage);
  d.write("c", 1, 6 * kPage);
  CHECK(d.next_data(4 * kPage) == 6 * kPage);
  d.punch_hole(2 * kPage, 2 * kPage);
  CHECK(d.next_data(0) == 6 * kPage);
  CHECK(d.next_hole(6 * kPage) == 7 * kPage);
  // The end of the file is a hole.
  d.resize(6 * kPage + 100);
  CHECK(d.next_hole(6 * kPage) == 6 * kPage + 100);
}

TEST_CASE("random operations agree with a dense model") {
  std::mt19937_64 rng(20261207);
  for (int round = 0; round < 40; ++round) {
    FileData d;
    std::string model;
    const uint64_t span = (round % 2) ? 64 * kPage : 5 * kPage;  // small spans make pages collide
    for (int step = 0; step < 300; ++step) {
      uint64_t off = rng() % span, len = 1 + rng() % (2 * kPage + 10);
      uint64_t predicted = 0;
      switch (rng() % 6) {
        case 0:
        case 1: {  // write
          std::string bytes(len, '\0');
          for (auto& c : bytes) c = static_cast<char>('A' + rng() % 26);
          predicted = d.stored_after_write(off, len);
          d.write(bytes.data(), len, off);
          if (model.size() < off + len) model.resize(off + len, '\0');
          model.replace(off, len, bytes);
          break;
        }
        case 2: {  // truncate
          predicted = d.stored_after_resize(off);
          d.resize(off);
          model.resize(off, '\0');
          break;
        }
        case 3: {  // punch a hole (the size stays)
          d.punch_hole(off, len);
          if (off < model.size()) model.replace(off, std::min(len, model.size() - off), std::string(std::min(len, model.size() - off), '\0'));
          predicted = d.stored();
          break;
        }
        case 4: {  // allocate below the size
          predicted = d.stored_after_allocate(off, len);
          d.allocate(off, len);
          break;
        }
        default: {  // grow
          predicted = d.stored_after_resize(model.size() + len);
          d.resize(model.size() + len);
          model.resize(model.size() + len, '\0');
          break;
        }
      }
      REQUIRE(d.stored() == predicted);
      REQUIRE(d.size() == model.size());
      REQUIRE(read_all(d) == model);
      REQUIRE(d.contents() == model);
      // stored() is the pages' bytes below the size; no page lies past it.
      REQUIRE(d.stored() <= d.pages() * kPage);
      REQUIRE(d.pages() <= (d.size() + kPage - 1) / kPage);
      if (d.pages() > 0) REQUIRE(d.stored() > (d.pages() - 1) * kPage);
      // A read from any offset, of any length, matches.
      uint64_t at = rng() % (model.size() + 10), n = rng() % (3 * kPage);
      std::string got(n, '?');
      size_t k = d.read(got.data(), n, at);
      REQUIRE(k == (at < model.size() ? std::min<uint64_t>(n, model.size() - at) : 0));
      REQUIRE(got.substr(0, k) == (at < model.size() ? model.substr(at, k) : std::string()));
      // Data and holes are where they should be: next_data never skips
      // a non-zero byte, next_hole never lands on one.
      if (model.size() > 0) {
        uint64_t from = rng() % model.size();
        auto data = d.next_data(from);
        uint64_t first_nonzero = model.find_first_not_of('\0', from);
        if (first_nonzero != std::string::npos) REQUIRE((data && *data <= first_nonzero));
        uint64_t hole = d.next_hole(from);
        REQUIRE(hole >= from);
        REQUIRE(hole <= model.size());
        if (hole < model.size()) REQUIRE(model[hole] == '\0');
      }
    }
  }
}
