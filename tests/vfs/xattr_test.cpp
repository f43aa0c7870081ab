// Extended attributes in the VFS (rootfs/xattr_ops.cpp): a rootfs entry
// copied up by a set (the host tree untouched), the bytes counted in the
// quota and released by remove and unlink, the run-wide cap, f*-style calls
// on an unlinked file, and the namespaces.
#include <catch2/catch.hpp>

#include "rootfs/mem_node.h"
#include "tests/vfs/vfs_fixture.h"

using namespace vfs_test;

namespace {

XattrCall set_call(std::string name, std::string value, int flags = 0) {
  XattrCall c;
  c.op = XattrOp::kSet;
  c.name = std::move(name);
  c.value = std::move(value);
  c.flags = flags;
  return c;
}
XattrCall get_call(std::string name) {
  XattrCall c;
  c.op = XattrOp::kGet;
  c.name = std::move(name);
  return c;
}
XattrCall list_call() {
  XattrCall c;
  c.op = XattrOp::kList;
  return c;
}
XattrCall remove_call(std::string name) {
  XattrCall c;
  c.op = XattrOp::kRemove;
  c.name = std::move(name);
  return c;
}

}  // namespace

TEST_CASE("a set on a rootfs file copies it up and leaves the host alone", "[xattr]") {
  World w;
  auto before = snapshot(w.root);
  auto v = w.make();
  CHECK(v->xattr("/", "/etc/passwd", true, list_call()).value_or("x").empty());
  CHECK(v->xattr("/", "/etc/passwd", true, get_call("user.a")).error() == ENODATA);
  // Removing what a lower file does not have needs no copy-up.
  CHECK(v->xattr("/", "/etc/passwd", true, remove_call("user.a")).error() == ENODATA);
  CHECK(v->upper_bytes() == 0);
  auto ino = v->stat("/", "/etc/passwd", true)->ino;
  REQUIRE(v->xattr("/", "/etc/passwd", true, set_call("user.a", "value")).ok());
  CHECK(v->xattr("/", "/etc/passwd", true, get_call("user.a")).value_or("") == "value");
  CHECK(v->stat("/", "/etc/passwd", true)->ino == ino);
  CHECK(read_path(*v, "/etc/passwd").value_or("") == "root:x:0:0:root:/root:/bin/sh\n");
  // A symlink through the l* path: user.* refused; followed, the target's.
  CHECK(v->xattr("/", "/etc/pw", false, set_call("user.b", "x")).error() == EPERM);
  REQUIRE(v->xattr("/", "/etc/pw", true, set_call("user.b", "x")).ok());
  CHECK(v->xattr("/", "/etc/passwd", true, list_call()).value_or("") == std::string("user.a\0user.b\0", 14));
  // A directory of the lower layer comes up too.
  REQUIRE(v->xattr("/", "/usr/share", true, set_call("user.d", "dir")).ok());
  CHECK(names(*v, "/usr/share") == std::vector<std::string>{".", "..", "doc"});
  CHECK(snapshot(w.root) == before);
}

TEST_CASE("attribute bytes count against the quota and are released", "[xattr]") {
  World w;
  auto c = w.config();
  c.max_upper_bytes = 1000;
  auto v = w.make(c);
  REQUIRE(write_path(*v, "/tmp/f", "").ok());
  REQUIRE(v->xattr("/", "/tmp/f", true, set_call("user.k", std::string(500, 'v'))).ok());
  CHECK(v->upper_bytes() == 506);
  CHECK(v->xattr("/", "/tmp/f", true, set_call("user.l", std::string(600, 'v'))).error() == ENOSPC);
  // Replacing a value charges only the difference.
  REQUIRE(v->xattr("/", "/tmp/f", true, set_call("user.k", std::string(900, 'v'), kXattrReplace)).ok());
  CHECK(v->upper_bytes() == 906);
  REQUIRE(v->xattr("/", "/tmp/f", true, remove_call("user.k")).ok());
  CHECK(v->upper_bytes() == 0);
  REQUIRE(v->xattr("/", "/tmp/f", true, set_call("user.k", std::string(400, 'v'))).ok());
  // An unlinked file keeps its attributes while open; the last close frees them.
  auto f = v->open("/", "/tmp/f", O_RDONLY, 0);
  REQUIRE(f.ok());
  REQUIRE(v->unlink("/", "/tmp/f").ok());
  CHECK(v->xattr_file(*f, get_call("user.k")).value_or("").size() == 400);
  REQUIRE(v->xattr_file(*f, set_call("user.m", "x")).ok());
  CHECK(v->upper_bytes() == 406 + 7);
  f->reset();
  CHECK(v->upper_bytes() == 0);
}

TEST_CASE("the run-wide cap bounds attributes without a quota", "[xattr]") {
  World w;
  auto v = w.make();
  REQUIRE(write_path(*v, "/tmp/f", "").ok());
  std::string value(kXattrSizeMax, 'v');
  int stored = 0;
  Result<std::string> r = std::string();
  for (int i = 0; i < 1000 && r.ok(); i++) {
    r = v->xattr("/", "/tmp/f", true, set_call("user." + std::to_string(i), value));
    if (r.ok()) stored++;
  }
  CHECK(r.error() == ENOSPC);
  CHECK(static_cast<uint64_t>(stored) * kXattrSizeMax <= kXattrRunBytesMax);
  CHECK(static_cast<uint64_t>(stored + 1) * (kXattrSizeMax + 8) > kXattrRunBytesMax);
  REQUIRE(v->unlink("/", "/tmp/f").ok());
  CHECK(v->upper_bytes() == 0);
}

TEST_CASE("namespaces, kinds and places", "[xattr]") {
  World w;
  auto v = w.make();
  REQUIRE(write_path(*v, "/tmp/f", "").ok());
  CHECK(v->xattr("/", "/tmp/f", true, set_call("foo.bar", "x")).error() == EOPNOTSUPP);
  CHECK(v->xattr("/", "/tmp/f", true, get_call("foo.bar")).error() == EOPNOTSUPP);
  CHECK(v->xattr("/", "/tmp/f", true, set_call("user.", "x")).error() == EINVAL);
  CHECK(v->xattr("/", "/tmp/f", true, get_call("system.posix_acl_access")).error() == ENODATA);
  CHECK(v->xattr("/", "/tmp/f", true, set_call("system.posix_acl_access", "x")).error() == EOPNOTSUPP);
  REQUIRE(v->xattr("/", "/tmp/f", true, set_call("trusted.t", "x")).ok());  // the guest is root here
  CHECK(v->xattr("/", "/tmp/f", true, set_call("trusted.t", "y", kXattrCreate)).error() == EEXIST);
  REQUIRE(v->mknod("/", "/tmp/fifo", S_IFIFO | 0600, 0).ok());
  CHECK(v->xattr("/", "/tmp/fifo", true, set_call("user.x", "x")).error() == EPERM);
  CHECK(v->xattr("/", "/tmp/fifo", true, get_call("user.x")).error() == ENODATA);
  CHECK(v->xattr("/", "/dev/null", true, set_call("user.x", "x")).error() == EPERM);
  CHECK(v->xattr("/", "/proc/self", true, set_call("user.x", "x")).error() != 0);
  CHECK(v->xattr("/", "/nonexistent", true, get_call("user.x")).error() == ENOENT);
}

TEST_CASE("a non-root guest: trusted.* refused, permission bits checked", "[xattr]") {
  World w;
  auto c = w.config();
  c.uid = 1000;
  c.gid = 1000;
  auto v = w.make(c);
  CHECK(v->xattr("/", "/tmp", true, set_call("trusted.t", "x")).error() == EPERM);
  CHECK(v->xattr("/", "/tmp", true, get_call("trusted.t")).error() == ENODATA);
  // /etc/passwd belongs to root, mode 0644: no write permission.
  CHECK(v->xattr("/", "/etc/passwd", true, set_call("user.a", "x")).error() == EACCES);
  // A sticky directory not ours.
  CHECK(v->xattr("/", "/tmp", true, set_call("user.a", "x")).error() == EPERM);
}
