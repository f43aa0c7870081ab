// Host directories mounted into the guest: ro gives EROFS, rw writes land
// on the host but only through the confined walk.
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>

#include "tests/vfs/vfs_fixture.h"

using namespace vfs_test;

namespace {

struct MountWorld : World {
  std::string rw = tmp.path + "/rw";
  std::string ro = tmp.path + "/ro";
  MountWorld() {
    mkdir_host(rw);
    mkdir_host(ro);
    write_host(rw + "/existing", "rw data");
    write_host(ro + "/readme", "ro data");
    mkdir_host(ro + "/sub");
    symlink_host(outside, rw + "/escape");         // absolute host path
    symlink_host("../outside", rw + "/escape_rel");  // relative, leaves the mount
    symlink_host("/", rw + "/slash");
  }
  VfsConfig mounted() const {
    auto c = config();
    c.mounts.push_back(MountSpec{rw, "/mnt/rw", true});
    c.mounts.push_back(MountSpec{ro, "/data/ro", false});
    return c;
  }
};

}  // namespace

TEST_CASE("read-only mounts refuse every modification", "[mount]") {
  MountWorld w;
  auto before = snapshot(w.ro);
  auto v = w.make(w.mounted());
  CHECK(read_path(*v, "/data/ro/readme").value_or("") == "ro data");
  CHECK(names(*v, "/data/ro") == std::vector<std::string>{".", "..", "readme", "sub"});
  CHECK(contains(names(*v, "/"), "data"));
  CHECK(v->open("/", "/data/ro/readme", O_WRONLY, 0).error() == EROFS);
  CHECK(v->open("/", "/data/ro/new", O_WRONLY | O_CREAT, 0644).error() == EROFS);
  CHECK(v->mkdir("/", "/data/ro/d", 0755).error() == EROFS);
  CHECK(v->unlink("/", "/data/ro/readme").error() == EROFS);
  CHECK(v->rmdir("/", "/data/ro/sub").error() == EROFS);
  CHECK(v->rename("/", "/data/ro/readme", "/", "/data/ro/x", 0).error() == EROFS);
  CHECK(v->chmod("/", "/data/ro/readme", 0600, true).error() == EROFS);
  CHECK(v->truncate("/", "/data/ro/readme", 0).error() == EROFS);
  CHECK(v->symlink("x", "/", "/data/ro/l").error() == EROFS);
  CHECK(v->utimens("/", "/data/ro/readme", Timespec{1, 1}, Timespec{1, 1}, true).error() == EROFS);
  CHECK(v->access("/", "/data/ro/readme", W_OK, true).error() == EROFS);
  CHECK(v->rmdir("/", "/data/ro").error() == EBUSY);
  XattrCall set;
  set.op = XattrOp::kSet;
  set.name = "user.a";
  set.value = "v";
  CHECK(v->xattr("/", "/data/ro/readme", true, set).error() == EROFS);
  XattrCall get = set;
  get.op = XattrOp::kGet;
  CHECK(v->xattr("/", "/data/ro/readme", true, get).error() == ENODATA);
  // A read-write mount: the host's attributes are neither read nor written.
  CHECK(v->xattr("/", "/mnt/rw/existing", true, set).error() == EOPNOTSUPP);
  CHECK(snapshot(w.ro) == before);
  CHECK(v->changed_files().empty());
}

TEST_CASE("read-write mounts write through to the host", "[mount]") {
  MountWorld w;
  auto lower_before = snapshot(w.root);
  auto v = w.make(w.mounted());
  REQUIRE(write_path(*v, "/mnt/rw/out.txt", "result").ok());
  CHECK(slurp_host(w.rw + "/out.txt") == "result");
  REQUIRE(write_path(*v, "/mnt/rw/existing", "+more", O_APPEND).ok());
  CHECK(slurp_host(w.rw + "/existing") == "rw data+more");
  REQUIRE(v->mkdir("/", "/mnt/rw/dir", 0755).ok());
  REQUIRE(v->rename("/", "/mnt/rw/out.txt", "/", "/mnt/rw/dir/moved", 0).ok());
  CHECK(slurp_host(w.rw + "/dir/moved") == "result");
  REQUIRE(v->symlink("/etc/passwd", "/", "/mnt/rw/guestlink").ok());
  char buf[64] = {};
  CHECK(::readlink((w.rw + "/guestlink").c_str(), buf, sizeof buf) == 11);
  CHECK(read_path(*v, "/mnt/rw/guestlink").value_or("") == "root:x:0:0:root:/root:/bin/sh\n");
  REQUIRE(v->truncate("/", "/mnt/rw/existing", 2).ok());
  CHECK(slurp_host(w.rw + "/existing") == "rw");
  REQUIRE(v->unlink("/", "/mnt/rw/existing").ok());
  CHECK(::access((w.rw + "/existing").c_str(), F_OK) != 0);
  CHECK(v->rename("/", "/mnt/rw/dir/moved", "/", "/tmp/moved", 0).error() == EXDEV);
  CHECK(v->link("/", "/mnt/rw/dir/moved", "/", "/tmp/l", false).error() == EXDEV);
  CHECK(v->rename("/", "/etc/passwd", "/", "/mnt/rw/pw", 0).error() == EXDEV);
  CHECK(v->mknod("/", "/mnt/rw/fifo", S_IFIFO | 0600, 0).error() == EPERM);
  CHECK(v->changed_files().empty());
  CHECK(snapshot(w.root) == lower_before);
}

TEST_CASE("symlinks inside a rw mount cannot lead writes outside", "[mount]") {
  MountWorld w;
  auto outside_before = snapshot(w.outside);
  auto v = w.make(w.mounted());
  // The absolute host path means nothing in the guest; the relative one
  // climbs to the guest's /mnt, not the host's.
  CHECK(write_path(*v, "/mnt/rw/escape/pwned", "x").error() == ENOENT);
  CHECK(write_path(*v, "/mnt/rw/escape_rel/pwned", "x").error() == ENOENT);
  CHECK(read_path(*v, "/mnt/rw/escape/secret.txt").error() == ENOENT);
  CHECK(read_path(*v, "/mnt/rw/../../outside/secret.txt").error() == ENOENT);
  // "/" in a mount is the guest root: writing there goes to the upper layer.
  REQUIRE(write_path(*v, "/mnt/rw/slash/tmp/from_mount", "x").ok());
  CHECK(read_path(*v, "/tmp/from_mount").value_or("") == "x");
  CHECK(::access((w.rw + "/tmp").c_str(), F_OK) != 0);
  // A guest-made symlink to an outside host path is stored, never followed by the host.
  REQUIRE(v->symlink(w.outside + "/secret.txt", "/", "/mnt/rw/made").ok());
  CHECK(read_path(*v, "/mnt/rw/made").error() == ENOENT);
  CHECK(v->chmod("/", "/mnt/rw/made", 0777, true).error() == ENOENT);
  CHECK(v->truncate("/", "/mnt/rw/made", 0).error() == ENOENT);
  CHECK(snapshot(w.outside) == outside_before);
  CHECK(slurp_host(w.sentinel) == "SENTINEL");
  CHECK(v->resolve_dir("/mnt/rw", "..").value_or("") == "/mnt");
  CHECK(v->resolve_dir("/mnt/rw", "../../../..").value_or("") == "/");
}

TEST_CASE("bad mount specs are rejected", "[mount]") {
  MountWorld w;
  std::string err;
  auto c = w.config();
  c.mounts.push_back(MountSpec{w.rw, "relative", true});
  CHECK(Vfs::create(c, &err) == nullptr);
  CHECK(!err.empty());
  c = w.config();
  c.mounts.push_back(MountSpec{w.tmp.path + "/missing", "/mnt/x", true});
  CHECK(Vfs::create(c, &err) == nullptr);
  c = w.config();
  c.mounts.push_back(MountSpec{w.rw, "/mnt/../x", true});
  CHECK(Vfs::create(c, &err) == nullptr);
  c = w.config();
  c.lower_root = w.tmp.path + "/nope";
  CHECK(Vfs::create(c, &err) == nullptr);
}

TEST_CASE("the mount table and statfs describe the guest's filesystems", "[mount]") {
  MountWorld w;
  auto c = w.mounted();
  c.mounts.push_back(MountSpec{w.ro, "//odd name//", false});  // escaped, canonical
  c.max_upper_bytes = 64 << 20;
  auto v = w.make(c);
  FakeProcess proc;
  v->set_process(&proc);

  CHECK(v->readlink("/", "/proc/mounts").value_or("") == "self/mounts");
  auto mounts = read_path(*v, "/proc/mounts");
  REQUIRE(mounts.ok());
  CHECK(mounts->find("overlay / overlay rw,relatime 0 0\n") == 0);
  CHECK(mounts->find("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n") != std::string::npos);
  CHECK(mounts->find("tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0\n") != std::string::npos);
  CHECK(mounts->find(" /mnt/rw ") != std::string::npos);
  CHECK(mounts->find(" rw,nosuid,nodev,relatime 0 0\nhost /data/ro ") != std::string::npos);
  CHECK(mounts->find("host /odd\\040name ") != std::string::npos);
  // Host paths never show.
  CHECK(mounts->find(w.tmp.path) == std::string::npos);
  auto info = read_path(*v, "/proc/self/mountinfo");
  REQUIRE(info.ok());
  CHECK(info->find("21 20 8:0 / / rw,relatime - overlay overlay rw\n") == 0);
  CHECK(info->find("23 21 8:1 / /dev rw,nosuid,relatime - devtmpfs devtmpfs rw\n") != std::string::npos);
  CHECK(info->find("24 23 8:2 / /dev/shm ") != std::string::npos);  // below /dev
  CHECK(info->find(w.tmp.path) == std::string::npos);
  // The mountinfo device numbers are the ones stat reports.
  auto st = v->stat("/", "/data/ro/readme", true);
  REQUIRE(st.ok());
  char devtext[32];
  std::snprintf(devtext, sizeof devtext, " %u:%u / /data/ro ", major(st->dev), minor(st->dev));
  CHECK(info->find(devtext) != std::string::npos);

  // The in-memory layers: the quota is the size, written bytes are used.
  auto root = v->statfs("/", "/etc");
  REQUIRE(root.ok());
  CHECK(root->type == 0x794c7630);
  CHECK(root->bsize == 4096);
  CHECK(root->blocks == (64u << 20) / 4096);
  CHECK(root->bfree == root->blocks);
  CHECK((root->flags & 0x20) != 0);  // ST_VALID
  CHECK((root->flags & ST_RDONLY) == 0);
  REQUIRE(write_path(*v, "/tmp/big", std::string(1 << 20, 'x')).ok());
  auto after = v->statfs("/", "/");
  REQUIRE(after.ok());
  CHECK(after->bfree == root->blocks - 256);
  CHECK(after->bavail == after->bfree);
  CHECK(v->statfs("/", "/tmp").value_or(FsStats{}).type == 0x01021994);
  CHECK(v->statfs("/", "/dev/shm").value_or(FsStats{}).bfree == after->bfree);
  // Host mounts: the host's numbers, read-only when the mount is.
  auto ro = v->statfs("/", "/data/ro/readme");
  REQUIRE(ro.ok());
  CHECK((ro->flags & ST_RDONLY) != 0);
  CHECK(ro->blocks > 0);
  auto rw = v->statfs("/", "/mnt/rw");
  REQUIRE(rw.ok());
  CHECK((rw->flags & ST_RDONLY) == 0);
  CHECK(rw->type == ro->type);
  CHECK(v->statfs("/", "/proc").value_or(FsStats{}).blocks == 0);
  CHECK(v->statfs("/", "/nonexistent").error() == ENOENT);
}
