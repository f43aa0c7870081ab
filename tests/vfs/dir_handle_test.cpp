// Directory handles (a cwd, an open directory): the directory itself,
// followed across renames of it and of its ancestors, in the upper layer,
// the lower layer (copy-up) and rw mounts; removed for good once rmdir'ed
// or replaced.
#include <catch2/catch.hpp>

#include "tests/vfs/vfs_fixture.h"

using namespace vfs_test;

namespace {

DirRef open_dir(Vfs& v, std::string_view path) {
  auto h = v.open_dir("/", path);
  if (!h) throw std::runtime_error("open_dir " + std::string(path) + ": " + std::to_string(h.error()));
  return *h;
}

FileRef open_file(Vfs& v, std::string_view path, int flags) {
  auto f = v.open("/", path, flags, 0644);
  if (!f) throw std::runtime_error("open " + std::string(path) + ": " + std::to_string(f.error()));
  return *f;
}

}  // namespace

TEST_CASE("a directory handle follows renames of the directory and its ancestors", "[dirhandle]") {
  World w;
  auto v = w.make();
  REQUIRE(v->mkdir("/", "/tmp/a", 0755));
  REQUIRE(v->mkdir("/", "/tmp/a/b", 0755));
  REQUIRE(v->mkdir("/", "/tmp/ab", 0755));
  DirRef a = open_dir(*v, "/tmp/a");
  DirRef b = open_dir(*v, "/tmp/a/b");
  DirRef ab = open_dir(*v, "/tmp/ab");
  FileRef bdir = open_file(*v, "/tmp/a/b", O_RDONLY | O_DIRECTORY);
  FileRef bpath = open_file(*v, "/tmp/a/b", O_PATH);
  REQUIRE(bdir->dir);
  REQUIRE(bpath->dir);
  CHECK(b->path() == "/tmp/a/b");

  REQUIRE(v->rename("/", "/tmp/a", "/", "/tmp/x", 0));
  CHECK(a->path() == "/tmp/x");
  CHECK(b->path() == "/tmp/x/b");
  CHECK(ab->path() == "/tmp/ab");  // a name that merely starts the same
  CHECK(bdir->dir->path() == "/tmp/x/b");
  CHECK(bpath->dir->path() == "/tmp/x/b");
  CHECK(bdir->shown_path() == "/tmp/x/b");
  CHECK_FALSE(b->removed());

  // Relative paths resolve from where the directory is now.
  REQUIRE(write_path(*v, b->path() + "/f", "hi"));
  CHECK(read_path(*v, "/tmp/x/b/f").value_or("") == "hi");
  CHECK(v->open(b->path(), "f", O_RDONLY, 0));
  CHECK(v->stat(b->path(), "../b/f", true));

  // Its own rename, to another parent.
  REQUIRE(v->rename("/tmp/x", "b", "/tmp", "ab/moved", 0));
  CHECK(b->path() == "/tmp/ab/moved");
  CHECK(a->path() == "/tmp/x");
  CHECK(names(*v, b->path()) == std::vector<std::string>{".", "..", "f"});
  auto listed = bdir->list_dir();
  REQUIRE(listed);
  CHECK(listed->size() == 3);

  // A new directory under the old name is another directory.
  REQUIRE(v->mkdir("/", "/tmp/x/b", 0755));
  CHECK(b->path() == "/tmp/ab/moved");
}

TEST_CASE("a removed directory's handle stays removed", "[dirhandle]") {
  World w;
  auto v = w.make();
  REQUIRE(v->mkdir("/", "/tmp/g", 0755));
  DirRef g = open_dir(*v, "/tmp/g");
  FileRef gdir = open_file(*v, "/tmp/g", O_RDONLY | O_DIRECTORY);
  REQUIRE(v->rmdir("/", "/tmp/g"));
  CHECK(g->removed());
  CHECK(gdir->dir->removed());
  CHECK(gdir->shown_path() == "/tmp/g (deleted)");
  auto listed = gdir->list_dir();
  REQUIRE(listed);
  CHECK(listed->size() == 2);  // "." and ".." only
  REQUIRE(v->mkdir("/", "/tmp/g", 0755));
  CHECK(g->removed());
  CHECK_FALSE(open_dir(*v, "/tmp/g")->removed());

  // Replaced by a rename: the replaced directory is removed, the moved one
  // follows.
  REQUIRE(v->mkdir("/", "/tmp/v", 0755));
  REQUIRE(v->mkdir("/", "/tmp/w", 0755));
  DirRef dv = open_dir(*v, "/tmp/v");
  DirRef dw = open_dir(*v, "/tmp/w");
  REQUIRE(v->rename("/", "/tmp/v", "/", "/tmp/w", 0));
  CHECK(dw->removed());
  CHECK_FALSE(dv->removed());
  CHECK(dv->path() == "/tmp/w");

  // A failed removal removes nothing.
  REQUIRE(write_path(*v, "/tmp/w/f", "x"));
  CHECK(v->rmdir("/", "/tmp/w").error() == ENOTEMPTY);
  CHECK_FALSE(dv->removed());
}

TEST_CASE("a lower directory copied up later is still the same directory", "[dirhandle]") {
  World w;
  auto v = w.make();
  DirRef doc = open_dir(*v, "/usr/share/doc");
  FileRef docdir = open_file(*v, "/usr/share/doc", O_RDONLY | O_DIRECTORY);
  REQUIRE(write_path(*v, "/usr/share/doc/new.txt", "n"));  // copies the directory up
  CHECK_FALSE(doc->removed());
  CHECK(doc->path() == "/usr/share/doc");
  auto listed = docdir->list_dir();
  REQUIRE(listed);
  CHECK(listed->size() == 5);  // . .. a.txt b.txt new.txt
  // A directory with lower content cannot move (EXDEV); the handle stays.
  CHECK(v->rename("/", "/usr/share", "/", "/usr/elsewhere", 0).error() == EXDEV);
  CHECK(doc->path() == "/usr/share/doc");
  for (const char* f : {"/usr/share/doc/a.txt", "/usr/share/doc/b.txt", "/usr/share/doc/new.txt"})
    REQUIRE(v->unlink("/", f));
  REQUIRE(v->rmdir("/", "/usr/share/doc"));
  CHECK(doc->removed());
  CHECK(docdir->dir->removed());
  REQUIRE(v->mkdir("/", "/usr/share/doc", 0755));
  CHECK(doc->removed());
}

TEST_CASE("directories of a rw mount follow renames made through the VFS", "[dirhandle][mount]") {
  World w;
  std::string rw = w.tmp.path + "/rw";
  mkdir_host(rw);
  mkdir_host(rw + "/d1");
  mkdir_host(rw + "/d1/d2");
  auto c = w.config();
  c.mounts.push_back(MountSpec{rw, "/mnt/rw", true});
  auto v = w.make(c);
  DirRef d2 = open_dir(*v, "/mnt/rw/d1/d2");
  FileRef d1 = open_file(*v, "/mnt/rw/d1", O_RDONLY | O_DIRECTORY);
  REQUIRE(v->rename("/", "/mnt/rw/d1", "/", "/mnt/rw/e1", 0));
  CHECK(d2->path() == "/mnt/rw/e1/d2");
  CHECK(d1->dir->path() == "/mnt/rw/e1");
  REQUIRE(write_path(*v, d2->path() + "/f", "host"));
  CHECK(slurp_host(rw + "/e1/d2/f") == "host");
  REQUIRE(v->unlink("/", "/mnt/rw/e1/d2/f"));
  REQUIRE(v->rmdir("/", "/mnt/rw/e1/d2"));
  CHECK(d2->removed());
  CHECK_FALSE(d1->dir->removed());
}

TEST_CASE("/proc/self/fd/N of a directory shows where it is now", "[dirhandle][proc]") {
  World w;
  auto v = w.make();
  FakeProcess p;
  v->set_process(&p);
  REQUIRE(v->mkdir("/", "/tmp/a", 0755));
  p.fds[3] = open_file(*v, "/tmp/a", O_RDONLY | O_DIRECTORY);
  REQUIRE(v->rename("/", "/tmp/a", "/", "/tmp/b", 0));
  CHECK(v->readlink("/", "/proc/self/fd/3").value_or("") == "/tmp/b");
  REQUIRE(v->rmdir("/", "/tmp/b"));
  CHECK(v->readlink("/", "/proc/self/fd/3").value_or("") == "/tmp/b (deleted)");
}

TEST_CASE("a handle moved ever deeper by renames is bounded", "[dirhandle][hostile]") {
  World w;
  auto v = w.make();
  REQUIRE(v->mkdir("/", "/tmp/n", 0755));
  REQUIRE(v->mkdir("/", "/tmp/n/leaf", 0755));
  DirRef leaf = open_dir(*v, "/tmp/n/leaf");
  std::string name(250, 'x');
  for (int i = 0; i < 300; ++i) {
    REQUIRE(v->mkdir("/", "/tmp/w", 0755));
    REQUIRE(v->rename("/", "/tmp/n", "/", "/tmp/w/" + name, 0));
    REQUIRE(v->rename("/", "/tmp/w", "/", "/tmp/n", 0));
    if (i == 0) CHECK(leaf->path() == "/tmp/n/" + name + "/leaf");
    CHECK(leaf->path().size() <= 16 * 4096);
  }
  CHECK(leaf->removed());
}
