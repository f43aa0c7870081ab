// The guest's mounts as Linux tools see them: statfs(2) numbers for any
// path, and the text of /proc/<pid>/mounts and /proc/<pid>/mountinfo.
//
// The table is fixed when the Vfs is built: the overlay root, /proc, /dev,
// /dev/shm and the operator's mounts. A mount's host directory never
// appears (its source reads "host"); only its guest path does. The
// in-memory layers report the --max-disk quota as their size and what the
// guest has written as used; a host mount reports the host filesystem's
// numbers, marked read-only when the mount is.
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>

#include <cstdio>

#include "rootfs/vfs_core.h"

namespace vmrun::fs {

namespace {

constexpr uint64_t kOverlayMagic = 0x794c7630;
constexpr uint64_t kTmpfsMagic = 0x01021994;
constexpr uint64_t kProcMagic = 0x9fa0;
// Linux's devtmpfs says tmpfs; glibc's ttyname accepts a /dev/pts on
// DEVPTS or DEVFS, so /dev keeps the old devfs number.
constexpr uint64_t kDevfsMagic = 0x1373;
constexpr uint64_t kStValid = FsStats::kValid;
// Without a quota the in-memory layers are as large as host memory lets
// them be; statfs then reports this much room beyond what is used.
constexpr uint64_t kUnlimitedRoom = 1ull << 40;

struct MountRow {
  int fsid;
  std::string point;
  std::string type;
  std::string source;
  std::string options;  // per-mount options (ro/rw first)
};

const char* host_type_name(uint64_t magic) {
  switch (magic) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case kTmpfsMagic: return "tmpfs";
    case kOverlayMagic: return "overlay";
    case 0x6969: return "nfs";
    case 0x01021997: return "9p";
    case 0x65735546: return "fuse";
    case 0x2FC12FC1: return "zfs";
    case 0x4d44: return "vfat";
    default: return "hostfs";
  }
}

// Octal escapes for the characters that would break a mounts line.
std::string escape_field(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<MountRow> mount_rows(const VfsCore& core) {
  std::vector<MountRow> rows = {
      {kFsOverlay, "/", "overlay", "overlay", "rw,relatime"},
      {kFsProc, "/proc", "proc", "proc", "rw,nosuid,nodev,noexec,relatime"},
      {kFsDev, "/dev", "devtmpfs", "devtmpfs", "rw,nosuid,relatime"},
      {kFsShm, "/dev/shm", "tmpfs", "tmpfs", "rw,nosuid,nodev"},
  };
  for (size_t i = 0; i < core.mount_points.size(); ++i) {
    const int fsid = kFsMountBase + static_cast<int>(i);
    struct statfs sf {};
    const char* type = ::fstatfs(core.mount_roots[i]->get(), &sf) == 0 ? host_type_name(sf.f_type) : "hostfs";
    rows.push_back({fsid, core.mount_points[i], type, "host",
                    std::string(core.mount_writable[i] ? "rw" : "ro") + ",nosuid,nodev,relatime"});
  }
  return rows;
}

// The in-memory layers: the quota is the size.
FsStats memory_stats(const VfsCore& core, uint64_t type) {
  const uint64_t used = core.shared->used;
  const uint64_t size = core.shared->max ? std::max(core.shared->max, used) : used + kUnlimitedRoom;
  FsStats s;
  s.type = type;
  s.blocks = size / s.bsize;
  s.bfree = s.bavail = (size - used) / s.bsize;
  // Names cost memory only, they are not counted apart.
  s.files = s.ffree = s.blocks;
  s.flags = kStValid | ST_RELATIME;
  return s;
}

}  // namespace

FsStats VfsCore::fs_stats(const Entry& e, const std::string& canonical) const {
  FsStats s;
  switch (e.fsid) {
    case kFsProc:
      s.type = kProcMagic;
      s.flags = kStValid | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME;
      return s;
    case kFsDev:
      s.type = kDevfsMagic;
      s.flags = kStValid | ST_NOSUID | ST_RELATIME;
      return s;
    case kFsShm: {
      s = memory_stats(*this, kTmpfsMagic);
      s.flags |= ST_NOSUID | ST_NODEV;
      return s;
    }
    case kFsOverlay: {
      const bool tmp = canonical == "/tmp" || canonical.rfind("/tmp/", 0) == 0;
      return memory_stats(*this, tmp ? kTmpfsMagic : kOverlayMagic);
    }
    default: break;
  }
  // A host mount (or the read-only lower root seen through one).
  const size_t index = static_cast<size_t>(e.fsid - kFsMountBase);
  const HostFdRef& fd = e.host_dir ? e.host_dir : e.host_parent;
  struct statfs sf {};
  if (fd && ::fstatfs(fd->get(), &sf) == 0) {
    s.type = static_cast<uint64_t>(sf.f_type);
    s.bsize = static_cast<uint64_t>(sf.f_bsize);
    s.blocks = sf.f_blocks;
    s.bfree = sf.f_bfree;
    s.bavail = sf.f_bavail;
    s.files = sf.f_files;
    s.ffree = sf.f_ffree;
    s.namelen = static_cast<uint64_t>(sf.f_namelen);
  } else {
    s.type = kOverlayMagic;
  }
  s.flags = kStValid | ST_NOSUID | ST_NODEV | ST_RELATIME;
  if (index < mount_writable.size() && !mount_writable[index]) s.flags |= ST_RDONLY;
  return s;
}

std::string VfsCore::mounts_text() const {
  std::string out;
  for (const MountRow& r : mount_rows(*this))
    out += r.source + " " + escape_field(r.point) + " " + r.type + " " + r.options + " 0 0\n";
  return out;
}

std::string VfsCore::mountinfo_text() const {
  // IDs as Linux numbers them: the root's parent is not in the list.
  constexpr int kFirstId = 21;
  std::string out;
  auto rows = mount_rows(*this);
  for (size_t i = 0; i < rows.size(); ++i) {
    const MountRow& r = rows[i];
    const int id = kFirstId + static_cast<int>(i);
    int parent = kFirstId - 1;
    if (i > 0) {
      // The nearest listed mount above this one.
      parent = kFirstId;
      for (size_t j = 0; j < i; ++j) {
        const std::string& p = rows[j].point;
        if (p != "/" && r.point.size() > p.size() && r.point.compare(0, p.size(), p) == 0 && r.point[p.size()] == '/')
          parent = kFirstId + static_cast<int>(j);
      }
    }
    const uint64_t dev = dev_for_fsid(r.fsid);
    char head[64];
    std::snprintf(head, sizeof head, "%d %d %u:%u / ", id, parent, major(dev), minor(dev));
    const bool ro = r.options.rfind("ro", 0) == 0;
    out += head + escape_field(r.point) + " " + r.options + " - " + r.type + " " + r.source + (ro ? " ro\n" : " rw\n");
  }
  return out;
}

}  // namespace vmrun::fs
