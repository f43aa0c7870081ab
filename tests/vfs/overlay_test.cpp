// Overlay semantics: copy-up, whiteouts, opaque directories, merged
// listings, hard links, rename, quota, open-after-unlink, changed_files.
#include <catch2/catch.hpp>

#include "tests/vfs/vfs_fixture.h"

using namespace vfs_test;

TEST_CASE("writing a lower file copies it up and keeps the inode", "[overlay]") {
  World w;
  auto v = w.make();
  auto before = v->stat("/", "/home/user/file.txt", true);
  REQUIRE(before.ok());
  auto reader = v->open("/", "/home/user/file.txt", O_RDONLY, 0);
  REQUIRE(reader.ok());
  REQUIRE(write_path(*v, "/home/user/file.txt", "HELLO", 0).ok());
  CHECK(read_path(*v, "/home/user/file.txt").value_or("") == "HELLO lower");  // no O_TRUNC: overwrite prefix
  auto after = v->stat("/", "/home/user/file.txt", true);
  REQUIRE(after.ok());
  CHECK(after->ino == before->ino);
  CHECK(after->size == 11);
  CHECK(after->mtime.sec == 1000);
  CHECK(slurp_host(w.root + "/home/user/file.txt") == "hello lower");
  CHECK(v->upper_bytes() == 11);
  // The description opened before the copy-up still reads the lower bytes,
  // as a Linux overlayfs reader opened before copy-up does.
  CHECK(read_all(*reader) == "hello lower");
}

TEST_CASE("upper writes are seen through other descriptions", "[overlay]") {
  World w;
  auto v = w.make();
  auto a = v->open("/", "/tmp/shared", O_RDWR | O_CREAT, 0600);
  REQUIRE(a.ok());
  auto b = v->open("/", "/tmp/shared", O_RDONLY, 0);
  REQUIRE(b.ok());
  REQUIRE((*a)->write("abc", 3).ok());
  CHECK(read_all(*b) == "abc");
  auto ap = v->open("/", "/tmp/shared", O_WRONLY | O_APPEND, 0);
  REQUIRE(ap.ok());
  REQUIRE((*ap)->write("def", 3).ok());
  char buf[8] = {};
  REQUIRE((*a)->pread(buf, 8, 0).value_or(0) == 6);
  CHECK(std::string(buf, 6) == "abcdef");
  CHECK((*a)->path == "/tmp/shared");
  CHECK(((*ap)->flags & O_APPEND) != 0);
  CHECK(((*a)->flags & O_CREAT) == 0);
}

TEST_CASE("unlink leaves a whiteout; merged listing; opaque recreated dirs", "[overlay]") {
  World w;
  auto v = w.make();
  REQUIRE(write_path(*v, "/usr/share/doc/c.txt", "c").ok());
  CHECK(names(*v, "/usr/share/doc") == std::vector<std::string>{".", "..", "a.txt", "b.txt", "c.txt"});
  REQUIRE(v->unlink("/", "/usr/share/doc/a.txt").ok());
  CHECK(v->stat("/", "/usr/share/doc/a.txt", false).error() == ENOENT);
  CHECK(names(*v, "/usr/share/doc") == std::vector<std::string>{".", "..", "b.txt", "c.txt"});
  CHECK(v->rmdir("/", "/usr/share/doc").error() == ENOTEMPTY);
  REQUIRE(v->unlink("/", "/usr/share/doc/b.txt").ok());
  REQUIRE(v->unlink("/", "/usr/share/doc/c.txt").ok());
  REQUIRE(v->rmdir("/", "/usr/share/doc").ok());
  CHECK(v->stat("/", "/usr/share/doc", true).error() == ENOENT);
  CHECK(!contains(names(*v, "/usr/share"), "doc"));
  REQUIRE(v->mkdir("/", "/usr/share/doc", 0700).ok());
  CHECK(names(*v, "/usr/share/doc") == std::vector<std::string>{".", ".."});
  CHECK(v->stat("/", "/usr/share/doc/b.txt", true).error() == ENOENT);
  auto st = v->stat("/", "/usr/share/doc", true);
  REQUIRE(st.ok());
  CHECK((st->mode & 07777) == 0700);
  // A file recreated over a whiteout is the new one.
  REQUIRE(write_path(*v, "/usr/share/doc/a.txt", "again").ok());
  CHECK(read_path(*v, "/usr/share/doc/a.txt").value_or("") == "again");
}

TEST_CASE("changed_files reports creations, modifications and deletions", "[overlay]") {
  World w;
  auto v = w.make();
  REQUIRE(write_path(*v, "/etc/hostname", "h2").ok());
  REQUIRE(v->unlink("/", "/usr/share/doc/a.txt").ok());
  REQUIRE(v->mkdir("/", "/usr/newdir", 0755).ok());
  REQUIRE(write_path(*v, "/usr/newdir/f", "f").ok());
  REQUIRE(write_path(*v, "/dev/shm/ignored", "x").ok());
  auto read_only = read_path(*v, "/usr/lib/libc.so");
  REQUIRE(read_only.ok());
  auto changes = v->changed_files();
  std::map<std::string, ChangedFile> by_path;
  for (auto& c : changes) by_path[c.guest_path] = c;
  CHECK(by_path.size() == 4);
  REQUIRE(by_path.count("/etc/hostname"));
  CHECK(by_path["/etc/hostname"].kind == ChangedFile::kCreatedOrModified);
  REQUIRE(by_path.count("/usr/share/doc/a.txt"));
  CHECK(by_path["/usr/share/doc/a.txt"].kind == ChangedFile::kDeleted);
  REQUIRE(by_path.count("/usr/newdir"));
  CHECK(by_path["/usr/newdir"].is_dir);
  CHECK(by_path.count("/usr/newdir/f") == 1);
  CHECK(by_path.count("/usr/lib/libc.so") == 0);
  CHECK(v->read_whole_file("/etc/hostname", 100).value_or("") == "h2");
  CHECK(v->read_whole_file("/etc/passwd", 3).error() == EFBIG);
  CHECK(v->read_whole_file("/nope", 3).error() == ENOENT);
}

TEST_CASE("open descriptions survive unlink", "[overlay]") {
  World w;
  auto v = w.make();
  auto f = v->open("/", "/tmp/victim", O_RDWR | O_CREAT, 0600);
  REQUIRE(f.ok());
  REQUIRE((*f)->write("still here", 10).ok());
  REQUIRE(v->unlink("/", "/tmp/victim").ok());
  CHECK(v->stat("/", "/tmp/victim", true).error() == ENOENT);
  char buf[16] = {};
  CHECK((*f)->pread(buf, sizeof buf, 0).value_or(0) == 10);
  CHECK(std::string(buf, 10) == "still here");
  CHECK((*f)->stat()->nlink == 0);
  CHECK(v->upper_bytes() == 10);
  f->reset();
  CHECK(v->upper_bytes() == 0);
}

TEST_CASE("hard links share one node", "[overlay]") {
  World w;
  auto v = w.make();
  REQUIRE(write_path(*v, "/tmp/a", "one").ok());
  REQUIRE(v->link("/", "/tmp/a", "/", "/tmp/b", false).ok());
  CHECK(v->stat("/", "/tmp/a", true)->nlink == 2);
  REQUIRE(write_path(*v, "/tmp/b", "two").ok());
  CHECK(read_path(*v, "/tmp/a").value_or("") == "two");
  CHECK(v->stat("/", "/tmp/a", true)->ino == v->stat("/", "/tmp/b", true)->ino);
  REQUIRE(v->unlink("/", "/tmp/a").ok());
  CHECK(v->stat("/", "/tmp/b", true)->nlink == 1);
  CHECK(v->link("/", "/tmp/b", "/", "/tmp/b", false).error() == EEXIST);
  CHECK(v->link("/", "/usr", "/", "/tmp/usr", false).error() == EPERM);
  // A lower file is copied up and both names share it.
  REQUIRE(v->link("/", "/etc/hostname", "/", "/tmp/hn", false).ok());
  REQUIRE(write_path(*v, "/tmp/hn", "linked").ok());
  CHECK(read_path(*v, "/etc/hostname").value_or("") == "linked");
}

TEST_CASE("rename within the upper layer and of lower files", "[overlay]") {
  World w;
  auto v = w.make();
  REQUIRE(v->rename("/", "/etc/hostname", "/", "/tmp/hostname", 0).ok());
  CHECK(v->stat("/", "/etc/hostname", true).error() == ENOENT);
  CHECK(read_path(*v, "/tmp/hostname").value_or("") == "guest\n");
  REQUIRE(v->mkdir("/", "/tmp/d", 0755).ok());
  REQUIRE(write_path(*v, "/tmp/d/f", "in d").ok());
  REQUIRE(v->rename("/", "/tmp/d", "/", "/tmp/e", 0).ok());
  CHECK(read_path(*v, "/tmp/e/f").value_or("") == "in d");
  CHECK(v->rename("/", "/tmp/e", "/", "/tmp/e/sub", 0).error() == EINVAL);
  CHECK(v->rename("/", "/usr/share", "/", "/tmp/share", 0).error() == EXDEV);
  REQUIRE(write_path(*v, "/tmp/x", "x").ok());
  CHECK(v->rename("/", "/tmp/x", "/", "/tmp/hostname", 1 /* RENAME_NOREPLACE */).error() == EEXIST);
  CHECK(v->rename("/", "/tmp/x", "/", "/tmp/e", 0).error() == EISDIR);
  CHECK(v->rename("/", "/tmp/e", "/", "/tmp/x", 0).error() == ENOTDIR);
  REQUIRE(v->rename("/", "/tmp/x", "/", "/tmp/hostname", 0).ok());
  CHECK(read_path(*v, "/tmp/hostname").value_or("") == "x");
  CHECK(v->rename("/", "/tmp/hostname", "/", "/dev/shm/h", 0).error() == EXDEV);
  // A directory moved over an emptied lower directory hides its content.
  REQUIRE(v->unlink("/", "/usr/share/doc/a.txt").ok());
  REQUIRE(v->unlink("/", "/usr/share/doc/b.txt").ok());
  REQUIRE(v->rename("/", "/tmp/e", "/", "/usr/share/doc", 0).ok());
  CHECK(names(*v, "/usr/share/doc") == std::vector<std::string>{".", "..", "f"});
}

TEST_CASE("quota gives ENOSPC and counts file bytes", "[overlay]") {
  World w;
  auto c = w.config();
  c.max_upper_bytes = 100;
  auto v = w.make(c);
  std::string sixty(60, 'a');
  REQUIRE(write_path(*v, "/tmp/one", sixty).ok());
  CHECK(v->upper_bytes() == 60);
  CHECK(write_path(*v, "/tmp/two", sixty).error() == ENOSPC);
  auto f = v->open("/", "/tmp/one", O_RDWR, 0);
  REQUIRE(f.ok());
  CHECK((*f)->truncate(1000).error() == ENOSPC);
  REQUIRE((*f)->truncate(10).ok());
  CHECK(v->upper_bytes() == 10 + 0);
  REQUIRE(write_path(*v, "/tmp/two", sixty).ok());
  REQUIRE(v->unlink("/", "/tmp/two").ok());
  CHECK(v->upper_bytes() == 10);
  // Copy-up counts too: a 200-byte lower file cannot come up.
  write_host(w.root + "/usr/lib/big", std::string(200, 'b'));
  CHECK(v->open("/", "/usr/lib/big", O_RDWR, 0).error() == ENOSPC);
  CHECK(v->open("/", "/usr/lib/big", O_RDONLY, 0).ok());
}

TEST_CASE("mknod, symlink, readlink, chmod, utimens on the upper layer", "[overlay]") {
  World w;
  auto v = w.make();
  REQUIRE(v->mknod("/", "/tmp/fifo", S_IFIFO | 0600, 0).ok());
  CHECK(S_ISFIFO(v->stat("/", "/tmp/fifo", true)->mode));
  CHECK(v->mknod("/", "/tmp/dev", S_IFCHR | 0600, 0x103).error() == EPERM);
  CHECK(v->mknod("/", "/tmp/blk", S_IFBLK | 0600, 0x103).error() == EPERM);
  REQUIRE(v->mknod("/", "/tmp/reg", S_IFREG | 0640, 0).ok());
  CHECK((v->stat("/", "/tmp/reg", true)->mode & 07777) == 0640);
  REQUIRE(v->symlink("../etc/passwd", "/tmp", "pw").ok());
  CHECK(v->readlink("/", "/tmp/pw").value_or("") == "../etc/passwd");
  CHECK(read_path(*v, "/tmp/pw").value_or("") == "root:x:0:0:root:/root:/bin/sh\n");
  CHECK(v->readlink("/", "/tmp/reg").error() == EINVAL);
  CHECK(v->symlink("x", "/", "/tmp/pw").error() == EEXIST);
  REQUIRE(v->chmod("/", "/tmp/reg", 0604, true).ok());
  CHECK((v->stat("/", "/tmp/reg", true)->mode & 07777) == 0604);
  REQUIRE(v->utimens("/", "/tmp/reg", Timespec{5, kUtimeOmit}, Timespec{7, 8}, true).ok());
  auto st = v->stat("/", "/tmp/reg", true);
  CHECK(st->mtime.sec == 7);
  CHECK(st->mtime.nsec == 8);
  CHECK(st->atime.sec == 1000);
  REQUIRE(v->utimens("/", "/tmp/reg", Timespec{0, kUtimeNow}, Timespec{0, kUtimeOmit}, true).ok());
  CHECK(v->stat("/", "/tmp/reg", true)->atime.sec == 1000);
  CHECK(v->utimens("/", "/tmp/reg", Timespec{0, 2000000000}, Timespec{0, 0}, true).error() == EINVAL);
  REQUIRE(v->truncate("/", "/etc/passwd", 4).ok());
  CHECK(read_path(*v, "/etc/passwd").value_or("") == "root");
  CHECK(v->stat("/", "/etc/passwd", true)->blocks == 8);  // one page, as tmpfs counts it
}

TEST_CASE("open flag semantics", "[overlay]") {
  World w;
  auto v = w.make();
  CHECK(v->open("/", "/etc/passwd", O_RDONLY | O_CREAT | O_EXCL, 0644).error() == EEXIST);
  CHECK(v->open("/", "/etc/passwd", O_RDONLY | O_DIRECTORY, 0).error() == ENOTDIR);
  CHECK(v->open("/", "/etc/pw", O_RDONLY | O_NOFOLLOW, 0).error() == ELOOP);
  auto p = v->open("/", "/etc/pw", O_PATH | O_NOFOLLOW, 0);
  REQUIRE(p.ok());
  CHECK(S_ISLNK((*p)->stat()->mode));
  char c;
  CHECK((*p)->read(&c, 1).error() == EBADF);
  CHECK(v->open("/", "/etc", O_WRONLY, 0).error() == EISDIR);
  CHECK(v->open("/", "/etc", O_RDWR, 0).error() == EISDIR);
  auto d = v->open("/", "/etc", O_RDONLY, 0);
  REQUIRE(d.ok());
  CHECK((*d)->read(&c, 1).error() == EISDIR);
  CHECK(S_ISDIR((*d)->stat()->mode));
  auto l = (*d)->list_dir();
  REQUIRE(l.ok());
  REQUIRE(l->size() >= 2);
  CHECK((*l)[0].name == ".");
  CHECK((*l)[1].name == "..");
  CHECK(v->open("/", "/tmp/new/", O_WRONLY | O_CREAT, 0644).error() == EISDIR);
  CHECK(v->open("/", "/etc/passwd/", O_RDONLY, 0).error() == ENOTDIR);
  CHECK(v->open("/", "/nonexistent/x", O_WRONLY | O_CREAT, 0644).error() == ENOENT);
  // O_CREAT|O_EXCL does not follow a final symlink.
  REQUIRE(v->symlink("/tmp/target", "/", "/tmp/lnk").ok());
  CHECK(v->open("/", "/tmp/lnk", O_WRONLY | O_CREAT | O_EXCL, 0644).error() == EEXIST);
  auto through = v->open("/", "/tmp/lnk", O_WRONLY | O_CREAT, 0644);
  REQUIRE(through.ok());
  CHECK((*through)->path == "/tmp/target");
  CHECK(v->stat("/", "/tmp/target", true).ok());
  auto t = v->open("/", "/etc/hostname", O_WRONLY | O_TRUNC, 0);
  REQUIRE(t.ok());
  CHECK(v->stat("/", "/etc/hostname", true)->size == 0);
}

TEST_CASE("a lower directory listed before and after copy-up", "[overlay]") {
  World w;
  auto v = w.make();
  auto d = v->open("/", "/usr/lib", O_RDONLY | O_DIRECTORY, 0);
  REQUIRE(d.ok());
  REQUIRE(write_path(*v, "/usr/lib/new.so", "n").ok());
  auto l = (*d)->list_dir();
  REQUIRE(l.ok());
  std::vector<std::string> got;
  for (auto& e : *l) got.push_back(e.name);
  CHECK(contains(got, "new.so"));
  CHECK(contains(got, "libc.so"));
}

TEST_CASE("a lower root without /tmp gets a writable one", "[overlay]") {
  World w(/*with_tmp=*/false);
  auto v = w.make();
  auto st = v->stat("/", "/tmp", true);
  REQUIRE(st.ok());
  CHECK((st->mode & 07777) == 01777);
  REQUIRE(write_path(*v, "/tmp/x", "x").ok());
  CHECK(v->statfs("/", "/tmp").value_or(FsStats{}).type == 0x01021994);
  CHECK(v->statfs("/", "/etc").value_or(FsStats{}).type == 0x794c7630);
  CHECK(::access((w.root + "/tmp").c_str(), F_OK) != 0);
}
