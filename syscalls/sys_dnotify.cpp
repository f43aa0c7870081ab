// dnotify: fcntl(2)'s F_NOTIFY. A directory's description asks for a
// signal when entries of the directory are read, written, created,
// deleted, renamed or have their attributes changed, once or (DN_MULTISHOT)
// every time; the registry of rootfs/fs_notify.h reports the changes.
// The signal is SIGIO, sent to the process that asked, as Linux sends it
// to the description's owner F_NOTIFY sets; F_SETSIG and F_SETOWN do not
// exist here, so it is always SIGIO. The request lasts while the
// description does (Linux also drops it when the asking process closes
// any fd of it).
#include <fcntl.h>
#include <sys/stat.h>

#include <csignal>

#include "emu/kernel/process.h"
#include "rootfs/fs_notify.h"
#include "syscalls/notify_calls.h"

namespace vmrun {
namespace {

// The inotify events each DN_* bit stands for, as Linux maps them.
uint32_t events_of(uint64_t arg) {
  uint32_t m = 0;
  if (arg & DN_ACCESS) m |= fs::kInAccess;
  if (arg & DN_MODIFY) m |= fs::kInModify;
  if (arg & DN_CREATE) m |= fs::kInCreate | fs::kInMovedTo;
  if (arg & DN_DELETE) m |= fs::kInDelete | fs::kInMovedFrom;
  if (arg & DN_RENAME) m |= fs::kInMovedFrom | fs::kInMovedTo;
  if (arg & DN_ATTRIB) m |= fs::kInAttrib;
  return m;
}

class DirNotify final : public fs::NotifySink {
 public:
  DirNotify(SyscallContext& k, int tgid) : kernel_(&k), tgid_(tgid) {}

  void on_event(fs::NodeId, uint32_t mask, uint32_t, std::string_view name) override {
    // Events on the directory itself count, the rest are about its entries.
    if (name.empty() && !(mask & fs::kInIsDir)) return;
    if (!(events_ & mask)) return;
    if (!multishot_) events_ = 0;
    if (Process* p = kernel_->find_process(tgid_)) {
      SignalInfo info;
      info.signo = SIGIO;
      info.code = 0x80;  // SI_KERNEL, as Linux's send_sigio without F_SETSIG
      kernel_->post_signal(*p, SIGIO, info, true);
    }
  }
  void on_node_gone(fs::NodeId) override { events_ = 0; }

  // A further F_NOTIFY adds to what the description already asked for.
  void add(uint32_t events, bool multishot, int tgid) {
    events_ |= events;
    multishot_ = multishot;
    tgid_ = tgid;
  }

 private:
  SyscallContext* kernel_;  // the run's kernel; events come only during its calls
  int tgid_;
  uint32_t events_ = 0;
  bool multishot_ = false;
};

}  // namespace

SyscallResult fcntl_notify(SyscallContext& k, const fs::FileRef& f, uint64_t arg) {
  const std::shared_ptr<fs::OpenNotice>& notice = f->notice;
  uint32_t events = events_of(arg);
  if (!events && !(arg & ~uint64_t{DN_MULTISHOT})) {
    // No event: cancel.
    if (notice && notice->dnotify) {
      if (auto r = notice->registry()) r->remove(notice->id(), notice->dnotify.get());
      notice->dnotify.reset();
    }
    return 0;
  }
  TRY_ASSIGN(fs::Attr attr, f->stat());
  if (!S_ISDIR(attr.mode)) return Err{ENOTDIR};
  // A directory outside what can change (/proc, /dev): nothing will come.
  if (!notice) return 0;
  auto registry = notice->registry();
  if (!registry) return 0;
  if (!notice->dnotify) notice->dnotify = std::make_shared<DirNotify>(k, k.proc().ids.tgid);
  static_cast<DirNotify&>(*notice->dnotify).add(events, arg & DN_MULTISHOT, k.proc().ids.tgid);
  registry->add(notice->id(), true, notice->dnotify);
  return 0;
}

}  // namespace vmrun
