// Hostile paths (loops, huge paths, huge component counts), error codes of
// the usual cases, and permission checks for an unprivileged guest.
#include <catch2/catch.hpp>

#include <chrono>

#include "tests/vfs/vfs_fixture.h"

using namespace vfs_test;

TEST_CASE("symlink loops give ELOOP", "[errors]") {
  World w;
  auto v = w.make();
  CHECK(v->stat("/", "/etc/loop1", true).error() == ELOOP);
  CHECK(v->stat("/", "/etc/self", true).error() == ELOOP);
  CHECK(v->open("/", "/etc/loop1/x", O_RDONLY, 0).error() == ELOOP);
  CHECK(v->stat("/", "/etc/loop1", false).ok());
  // 40 links are fine, 41 are not.
  for (int i = 0; i < 41; ++i)
    REQUIRE(v->symlink(i == 0 ? "/etc/passwd" : "/tmp/l" + std::to_string(i - 1), "/", "/tmp/l" + std::to_string(i)).ok());
  CHECK(v->stat("/", "/tmp/l39", true).ok());
  CHECK(v->stat("/", "/tmp/l40", true).error() == ELOOP);
}

TEST_CASE("long paths and many components are rejected cleanly and fast", "[errors]") {
  World w;
  auto v = w.make();
  auto start = std::chrono::steady_clock::now();
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "a/";
  CHECK(v->stat("/", many, true).error() == ENAMETOOLONG);
  std::string dots;
  for (int i = 0; i < 10000; ++i) dots += "./";
  CHECK(v->open("/", dots, O_RDONLY, 0).error() == ENAMETOOLONG);
  std::string ok_dots = "/etc";
  for (int i = 0; i < 2000; ++i) ok_dots += "/.";
  CHECK(v->stat("/", ok_dots + "/passwd", true).ok());
  std::string ups = "/etc";
  for (int i = 0; i < 1000; ++i) ups += "/..";
  CHECK(v->resolve_dir("/", ups).value_or("") == "/");
  CHECK(v->stat("/", std::string(256, 'n'), true).error() == ENAMETOOLONG);
  CHECK(v->stat("/", std::string(255, 'n'), true).error() == ENOENT);
  CHECK(v->stat("/", std::string(5000, '/'), true).error() == ENAMETOOLONG);
  CHECK(v->stat("/", std::string(4000, '/'), true).ok());
  CHECK(v->symlink(std::string(4096, 'x'), "/", "/tmp/t").error() == ENAMETOOLONG);
  // A chain of links that each expand to a long path stays bounded.
  std::string long_target = "/tmp";
  while (long_target.size() < 4000) long_target += "/.";
  REQUIRE(v->symlink(long_target + "/x0", "/", "/tmp/x1").ok());
  for (int i = 1; i < 30; ++i)
    REQUIRE(v->symlink(long_target + "/x" + std::to_string(i), "/", "/tmp/x" + std::to_string(i + 1)).ok());
  CHECK(v->stat("/", "/tmp/x30", true).error() == ENOENT);
  // Deep directories: the canonical path may not exceed PATH_MAX.
  std::string deep = "/tmp";
  int made = 0;
  while (true) {
    deep += "/dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
    auto r = v->mkdir("/", deep, 0755);
    if (!r.ok()) {
      CHECK(r.error() == ENAMETOOLONG);
      break;
    }
    ++made;
  }
  CHECK(made > 30);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(5));
}

TEST_CASE("usual error codes", "[errors]") {
  World w;
  auto v = w.make();
  CHECK(v->stat("/", "", true).error() == ENOENT);
  CHECK(v->open("/", "", O_RDONLY, 0).error() == ENOENT);
  CHECK(v->stat("/", "/etc/passwd/x", true).error() == ENOTDIR);
  CHECK(v->stat("/", "/etc/passwd/", true).error() == ENOTDIR);
  CHECK(v->stat("/", "/etc/", true).ok());
  CHECK(v->stat("/", "/nope/x", true).error() == ENOENT);
  CHECK(v->mkdir("/", "/etc", 0755).error() == EEXIST);
  CHECK(v->mkdir("/", "/tmp/a/b", 0755).error() == ENOENT);
  REQUIRE(v->mkdir("/", "/tmp/trail/", 0755).ok());
  CHECK(v->rmdir("/", "/etc/passwd").error() == ENOTDIR);
  CHECK(v->rmdir("/", "/").error() == EBUSY);
  CHECK(v->rmdir("/", "/tmp/trail/.").error() == EINVAL);
  CHECK(v->unlink("/", "/etc").error() == EISDIR);
  CHECK(v->unlink("/", "/nope").error() == ENOENT);
  CHECK(v->readlink("/", "/nope").error() == ENOENT);
  CHECK(v->resolve_dir("/", "/etc/passwd").error() == ENOTDIR);
  CHECK(v->resolve_dir("/", "/nope").error() == ENOENT);
  CHECK(v->resolve_dir("/usr", "share/doc/..").value_or("") == "/usr/share");
  CHECK(v->resolve_dir("/usr", "../etc/evil").value_or("") == "/etc");
  CHECK(v->truncate("/", "/etc", 0).error() == EISDIR);
  CHECK(v->access("/", "/bin/sh", X_OK, true).ok());
  CHECK(v->access("/", "/bin/noexec", X_OK, true).error() == EACCES);  // root still needs an x bit
  CHECK(v->access("/", "/nope", F_OK, true).error() == ENOENT);
  CHECK(v->rename("/", "/nope", "/", "/tmp/x", 0).error() == ENOENT);
  CHECK(v->rename("/", "/tmp/trail", "/", "/tmp/y", 4).error() == EINVAL);
  CHECK(v->stat("/", "/etc/passwd.hard", true)->nlink == 2);
}

TEST_CASE("permission checks for an unprivileged guest", "[errors]") {
  World w;
  auto c = w.config();
  uid_t me = ::getuid();
  // The lower files belong to the host user running the tests; make the
  // guest someone else so the "other" bits apply.
  c.uid = me + 1000;
  c.gid = ::getgid() + 1000;
  auto v = w.make(c);
  CHECK(v->open("/", "/secret/key", O_RDONLY, 0).error() == EACCES);  // dir 0700: no search
  CHECK(v->stat("/", "/secret/key", true).error() == EACCES);
  CHECK(v->open("/", "/etc/passwd", O_WRONLY, 0).error() == EACCES);  // 0644
  CHECK(read_path(*v, "/etc/passwd").ok());
  CHECK(v->open("/", "/etc/newfile", O_WRONLY | O_CREAT, 0644).error() == EACCES);  // etc 0755
  CHECK(v->mkdir("/", "/usr/x", 0755).error() == EACCES);
  CHECK(v->unlink("/", "/etc/hostname").error() == EACCES);
  CHECK(v->chmod("/", "/etc/passwd", 0777, true).error() == EPERM);
  CHECK(v->access("/", "/etc/passwd", R_OK, true).ok());
  CHECK(v->access("/", "/etc/passwd", W_OK, true).error() == EACCES);
  CHECK(v->access("/", "/bin/sh", X_OK, true).ok());
  // /tmp is 1777: anyone may create, only the owner may remove.
  REQUIRE(write_path(*v, "/tmp/mine", "m").ok());
  auto st = v->stat("/", "/tmp/mine", true);
  CHECK(st->uid == c.uid);
  REQUIRE(v->chmod("/", "/tmp/mine", 0600, true).ok());
  REQUIRE(v->unlink("/", "/tmp/mine").ok());
  // A file the guest made unreadable to itself.
  REQUIRE(write_path(*v, "/tmp/locked", "l").ok());
  REQUIRE(v->chmod("/", "/tmp/locked", 0200, true).ok());
  CHECK(v->open("/", "/tmp/locked", O_RDONLY, 0).error() == EACCES);
  CHECK(v->open("/", "/tmp/locked", O_WRONLY, 0).ok());
  CHECK(v->chown("/", "/tmp/locked", 0, -1, true).error() == EPERM);
}
