// Guest paths and symlinks can never reach a host file outside the guest
// root, and the lower tree is never modified.
#include <catch2/catch.hpp>

#include "tests/vfs/vfs_fixture.h"

using namespace vfs_test;

TEST_CASE("plain lookups in the lower layer work", "[confine]") {
  World w;
  auto v = w.make();
  auto r = read_path(*v, "/etc/passwd");
  REQUIRE(r.ok());
  CHECK(*r == "root:x:0:0:root:/root:/bin/sh\n");
  auto via_link = read_path(*v, "/etc/pw");
  REQUIRE(via_link.ok());
  CHECK(*via_link == *r);
  auto rel = v->open("/usr/share", "doc/../../share/./doc/a.txt", O_RDONLY, 0);
  REQUIRE(rel.ok());
  CHECK(read_all(*rel) == "doc a");
  CHECK((*rel)->path == "/usr/share/doc/a.txt");
}

TEST_CASE("dot-dot and symlinks stay inside the guest root", "[confine]") {
  World w;
  auto v = w.make();
  FakeProcess proc;
  v->set_process(&proc);
  const char* escapes[] = {
      "/../secret.txt",
      "/../../../../../secret.txt",
      "/../outside/secret.txt",
      "/etc/up/secret.txt",
      "/etc/up/outside/secret.txt",
      "/etc/evil/../secret.txt",
      "/etc/evil/../outside/secret.txt",
      "/etc/abs/../secret.txt",
      "/etc/hostsecret",
      "/etc/hosttmp/secret.txt",
      "/proc/self/root/../../secret.txt",
      "/proc/self/root/../outside/secret.txt",
      "/proc/42/root/../../../outside/secret.txt",
      "/proc/self/cwd/../../../../secret.txt",
  };
  for (const char* p : escapes) {
    INFO(p);
    auto r = read_path(*v, p);
    CHECK(!r.ok());
    if (r.ok()) CHECK(r.value() != "SENTINEL");
    auto st = v->stat("/", p, true);
    CHECK(!st.ok());
  }
  // The same tricks relative to a base directory.
  CHECK(!read_path(*v, "../../../secret.txt").ok());
  CHECK(v->open("/usr/share/doc", "../../../../../secret.txt", O_RDONLY, 0).error() == ENOENT);
  // /etc/evil -> /../../../../etc resolves to the guest's own /etc.
  auto evil = read_path(*v, "/etc/evil/passwd");
  REQUIRE(evil.ok());
  CHECK(evil.value() == "root:x:0:0:root:/root:/bin/sh\n");
  auto up = v->resolve_dir("/", "/etc/up");
  REQUIRE(up.ok());
  CHECK(*up == "/");
  auto root_via_proc = v->resolve_dir("/", "/proc/self/root/../..");
  REQUIRE(root_via_proc.ok());
  CHECK(*root_via_proc == "/");
}

TEST_CASE("creating through escaping symlinks lands inside the root", "[confine]") {
  World w;
  auto before_outside = snapshot(w.outside);
  auto v = w.make();
  // O_CREAT through a dangling absolute symlink creates inside the guest.
  REQUIRE(v->symlink(w.tmp.path + "/outside/new.txt", "/", "/home/user/dangling").ok());
  auto f = v->open("/", "/home/user/dangling", O_WRONLY | O_CREAT, 0644);
  CHECK(f.error() == ENOENT);  // the host path's directories do not exist in the guest
  REQUIRE(write_path(*v, "/etc/up/created.txt", "x").ok());
  CHECK(read_path(*v, "/created.txt").value_or("") == "x");
  CHECK(snapshot(w.outside) == before_outside);
  CHECK(::access((w.tmp.path + "/created.txt").c_str(), F_OK) != 0);
}

TEST_CASE("the lower tree is unchanged after every kind of modification", "[confine]") {
  World w;
  auto before = snapshot(w.root);
  auto before_outside = snapshot(w.tmp.path + "/outside");
  {
    auto v = w.make();
    REQUIRE(write_path(*v, "/etc/passwd", "changed").ok());
    REQUIRE(write_path(*v, "/etc/hostname", "more", O_APPEND).ok());
    REQUIRE(v->unlink("/", "/usr/share/doc/a.txt").ok());
    REQUIRE(v->rename("/", "/usr/lib/libc.so", "/", "/usr/lib/libc.so.6", 0).ok());
    REQUIRE(v->chmod("/", "/bin/sh", 0700, true).ok());
    REQUIRE(v->chown("/", "/bin/sh", 5, 6, true).ok());
    REQUIRE(v->utimens("/", "/home/user/file.txt", Timespec{1, 2}, Timespec{3, 4}, true).ok());
    REQUIRE(v->truncate("/", "/home/user/file.txt", 2).ok());
    REQUIRE(v->mkdir("/", "/usr/new", 0755).ok());
    REQUIRE(v->link("/", "/etc/passwd.hard", "/", "/etc/passwd.third", false).ok());
    REQUIRE(v->symlink("/x", "/", "/etc/newlink").ok());
    REQUIRE(v->unlink("/", "/etc/evil").ok());
    REQUIRE(v->rmdir("/", "/usr/share/doc").error() == ENOTEMPTY);
    REQUIRE(v->unlink("/", "/usr/share/doc/b.txt").ok());
    REQUIRE(v->rmdir("/", "/usr/share/doc").ok());
    REQUIRE(v->chmod("/", "/", 0700, true).ok());
    REQUIRE(v->chmod("/", "/etc/up", 0700, true).ok());  // follows to "/"
    REQUIRE(write_path(*v, "/etc/up/etc/x", "y").ok());
    auto f = v->open("/", "/etc/hostname", O_RDWR, 0);
    REQUIRE(f.ok());
    REQUIRE((*f)->truncate(0).ok());
    REQUIRE((*f)->chmod(0600).ok());
    auto ro = v->open("/", "/usr/lib/libc.so.6", O_RDONLY, 0);
    REQUIRE(ro.ok());
    CHECK((*ro)->write("x", 1).error() == EBADF);
  }
  CHECK(snapshot(w.root) == before);
  CHECK(snapshot(w.tmp.path + "/outside") == before_outside);
}
