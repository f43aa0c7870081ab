/* IP-level ancillary data on loopback UDP (RFC 3542 for IPv6, and the
 * IPv4 ones): the IPV6_RECV* and IP_RECV* options, the control messages
 * recvmsg gives (order, lengths, padding, MSG_CTRUNC when the buffer is
 * short), the values a datagram carries (the sender's options at send
 * time, or its own control messages), invalid values, options of the
 * other family, and hostile control buffers. Natively this is the host's
 * loopback; in vmrun the sandbox's own. */
#include "proc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

static int sockopt_int(int fd, int level, int name, int v) {
  return setsockopt(fd, level, name, &v, sizeof v) == 0 ? 0 : errno;
}

static void show_set(const char *what, int fd, int level, int name, int v) {
  printf("  set %-28s %d: %s\n", what, v, err_name(sockopt_int(fd, level, name, v)));
}

static void show_get(const char *what, int fd, int level, int name) {
  int v = -12345;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, name, &v, &len) != 0) printf("  get %-28s %s\n", what, err_name(errno));
  else printf("  get %-28s %d (len %u)\n", what, v, (unsigned)len);
}

/* A bound pair: a receiver and a sender, both on the loopback. */
static int make(int family, int *rx, int *tx, struct sockaddr_storage *to, socklen_t *tolen) {
  *rx = socket(family, SOCK_DGRAM, 0);
  *tx = socket(family, SOCK_DGRAM, 0);
  memset(to, 0, sizeof *to);
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)to;
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *tolen = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)to;
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    *tolen = sizeof *a;
  }
  if (bind(*rx, (struct sockaddr *)to, *tolen) != 0) return -1;
  socklen_t l = *tolen;
  if (getsockname(*rx, (struct sockaddr *)to, &l) != 0) return -1;
  return 0;
}

static const char *cmsg_name(int level, int type) {
  static char buf[32];
  if (level == IPPROTO_IPV6 && type == IPV6_HOPLIMIT) return "IPV6_HOPLIMIT";
  if (level == IPPROTO_IPV6 && type == IPV6_TCLASS) return "IPV6_TCLASS";
  if (level == IPPROTO_IPV6 && type == IPV6_PKTINFO) return "IPV6_PKTINFO";
  if (level == IPPROTO_IP && type == IP_TTL) return "IP_TTL";
  if (level == IPPROTO_IP && type == IP_TOS) return "IP_TOS";
  if (level == IPPROTO_IP && type == IP_PKTINFO) return "IP_PKTINFO";
  snprintf(buf, sizeof buf, "%d/%d", level, type);
  return buf;
}

/* Receive one datagram with `space` bytes of control buffer and print
 * every control message byte-exactly (the padding included). */
static void receive(int rx, size_t space) {
  char data[64];
  union { char buf[512]; struct cmsghdr align; } ctl;
  memset(ctl.buf, 0xee, sizeof ctl.buf);
  struct iovec iov = {data, sizeof data};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = space ? ctl.buf : NULL, .msg_controllen = space};
  ssize_t n = recvmsg(rx, &m, MSG_DONTWAIT);
  if (n < 0) {
    printf("    recvmsg: %s\n", err_name(errno));
    return;
  }
  printf("    recvmsg %zd \"%.*s\", controllen %zu, flags%s%s\n", n, (int)n, data, (size_t)m.msg_controllen,
         (m.msg_flags & MSG_CTRUNC) ? " CTRUNC" : "", (m.msg_flags & MSG_TRUNC) ? " TRUNC" : "");
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    size_t dlen = c->cmsg_len >= CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
    printf("    cmsg %-14s len %zu:", cmsg_name(c->cmsg_level, c->cmsg_type), (size_t)c->cmsg_len);
    unsigned char *d = CMSG_DATA(c);
    for (size_t i = 0; i < dlen && (char *)d + i < ctl.buf + m.msg_controllen; i++) printf(" %02x", d[i]);
    printf("\n");
  }
  if (space && space <= sizeof ctl.buf) {
    printf("    bytes past controllen:");
    for (size_t i = m.msg_controllen; i < space && i < m.msg_controllen + 8; i++) printf(" %02x", (unsigned char)ctl.buf[i]);
    printf("\n");
  }
}

/* Send "msg" with control messages made of (level, type, data, len). */
struct item { int level, type; const void *data; size_t len; };

static void send_with(int tx, struct sockaddr_storage *to, socklen_t tolen, const struct item *items, int count) {
  union { char buf[256]; struct cmsghdr align; } ctl;
  memset(ctl.buf, 0, sizeof ctl.buf);
  struct iovec iov = {"msg", 3};
  struct msghdr m = {.msg_name = to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1};
  size_t used = 0;
  for (int i = 0; i < count; i++) {
    struct cmsghdr *c = (struct cmsghdr *)(ctl.buf + used);
    c->cmsg_level = items[i].level;
    c->cmsg_type = items[i].type;
    c->cmsg_len = CMSG_LEN(items[i].len);
    memcpy(CMSG_DATA(c), items[i].data, items[i].len);
    used += CMSG_SPACE(items[i].len);
  }
  m.msg_control = count ? ctl.buf : NULL;
  m.msg_controllen = used;
  ssize_t n = sendmsg(tx, &m, 0);
  if (n < 0) printf("    sendmsg: %s\n", err_name(errno));
  else printf("    sendmsg %zd\n", n);
}

static void plain_send(int tx, struct sockaddr_storage *to, socklen_t tolen) {
  send_with(tx, to, tolen, NULL, 0);
}

/* Set each value at the edges of an option's range, and read it back. */
static void sweep(const char *name, int s, int level, int opt) {
  static const int vals[] = {-2, -1, 0, 1, 255, 256};
  for (int i = 0; i < 6; i++) {
    show_set(name, s, level, opt, vals[i]);
    show_get(name, s, level, opt);
  }
}

static void v6_options(void) {
  printf("IPv6 socket options\n");
  int s = socket(AF_INET6, SOCK_DGRAM, 0);
  show_get("IPV6_UNICAST_HOPS", s, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
  show_get("IPV6_TCLASS", s, IPPROTO_IPV6, IPV6_TCLASS);
  show_get("IPV6_RECVHOPLIMIT", s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT);
  show_get("IPV6_RECVTCLASS", s, IPPROTO_IPV6, IPV6_RECVTCLASS);
  show_get("IPV6_RECVPKTINFO", s, IPPROTO_IPV6, IPV6_RECVPKTINFO);
  show_set("IPV6_RECVHOPLIMIT", s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 7);
  show_get("IPV6_RECVHOPLIMIT", s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT);
  show_set("IPV6_RECVTCLASS", s, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
  show_get("IPV6_RECVTCLASS", s, IPPROTO_IPV6, IPV6_RECVTCLASS);
  show_set("IPV6_RECVPKTINFO", s, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  show_get("IPV6_RECVPKTINFO", s, IPPROTO_IPV6, IPV6_RECVPKTINFO);
  sweep("IPV6_UNICAST_HOPS", s, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
  sweep("IPV6_TCLASS", s, IPPROTO_IPV6, IPV6_TCLASS);
  show_set("IPV6_HOPLIMIT", s, IPPROTO_IPV6, IPV6_HOPLIMIT, 5);
  char b = 1;
  printf("  set IPV6_RECVHOPLIMIT, 1 byte: %s\n",
         err_name(setsockopt(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &b, 1) == 0 ? 0 : errno));
  printf("  set IPV6_RECVHOPLIMIT, bad pointer: %s\n",
         err_name(setsockopt(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, (void *)8, 4) == 0 ? 0 : errno));
  int v;
  socklen_t len = 2;
  v = -1;
  printf("  get IPV6_UNICAST_HOPS, len 2: %s", err_name(getsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &len) == 0 ? 0 : errno));
  printf(" -> len %u value %08x\n", (unsigned)len, (unsigned)v);
  len = (socklen_t)-1;
  v = 0;
  printf("  get IPV6_UNICAST_HOPS, len -1: %s", err_name(getsockopt(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &len) == 0 ? 0 : errno));
  printf(" -> len %u value %d\n", (unsigned)len, v);
  len = 4;
  printf("  get IPV6_TCLASS, bad pointer: %s\n",
         err_name(getsockopt(s, IPPROTO_IPV6, IPV6_TCLASS, (void *)8, &len) == 0 ? 0 : errno));
  /* IPv4 options on an IPv6 socket, and the other way round. */
  show_set("IP_RECVTTL on AF_INET6", s, IPPROTO_IP, IP_RECVTTL, 1);
  show_get("IP_TTL on AF_INET6", s, IPPROTO_IP, IP_TTL);
  int s4 = socket(AF_INET, SOCK_DGRAM, 0);
  show_set("IPV6_RECVHOPLIMIT on AF_INET", s4, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  show_get("IPV6_TCLASS on AF_INET", s4, IPPROTO_IPV6, IPV6_TCLASS);
  /* TCP takes the options too. */
  int t = socket(AF_INET6, SOCK_STREAM, 0);
  show_set("TCP IPV6_RECVHOPLIMIT", t, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  show_get("TCP IPV6_RECVHOPLIMIT", t, IPPROTO_IPV6, IPV6_RECVHOPLIMIT);
  show_set("TCP IPV6_TCLASS", t, IPPROTO_IPV6, IPV6_TCLASS, 0x2f);
  show_get("TCP IPV6_TCLASS", t, IPPROTO_IPV6, IPV6_TCLASS);
  close(t);
  close(s4);
  close(s);
}

static void v4_options(void) {
  printf("IPv4 socket options\n");
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  show_get("IP_TTL", s, IPPROTO_IP, IP_TTL);
  show_get("IP_TOS", s, IPPROTO_IP, IP_TOS);
  show_get("IP_RECVTTL", s, IPPROTO_IP, IP_RECVTTL);
  show_get("IP_RECVTOS", s, IPPROTO_IP, IP_RECVTOS);
  show_get("IP_PKTINFO", s, IPPROTO_IP, IP_PKTINFO);
  sweep("IP_TTL", s, IPPROTO_IP, IP_TTL);
  sweep("IP_TOS", s, IPPROTO_IP, IP_TOS);
  show_set("IP_RECVTTL", s, IPPROTO_IP, IP_RECVTTL, 3);
  show_get("IP_RECVTTL", s, IPPROTO_IP, IP_RECVTTL);
  show_set("IP_PKTINFO", s, IPPROTO_IP, IP_PKTINFO, 1);
  show_get("IP_PKTINFO", s, IPPROTO_IP, IP_PKTINFO);
  unsigned char b = 0x80;
  printf("  set IP_TTL, 1 byte: %s\n", err_name(setsockopt(s, IPPROTO_IP, IP_TTL, &b, 1) == 0 ? 0 : errno));
  printf("  set IP_TTL, 0 bytes: %s\n", err_name(setsockopt(s, IPPROTO_IP, IP_TTL, &b, 0) == 0 ? 0 : errno));
  printf("  set IP_RECVTTL, 0 bytes: %s\n", err_name(setsockopt(s, IPPROTO_IP, IP_RECVTTL, &b, 0) == 0 ? 0 : errno));
  show_get("IP_RECVTTL", s, IPPROTO_IP, IP_RECVTTL);
  int v = -1;
  socklen_t len = 2;
  printf("  get IP_TTL, len 2: %s", err_name(getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len) == 0 ? 0 : errno));
  printf(" -> len %u value %08x\n", (unsigned)len, (unsigned)v);
  len = (socklen_t)-1;
  printf("  get IP_TTL, len -1: %s\n", err_name(getsockopt(s, IPPROTO_IP, IP_TTL, &v, &len) == 0 ? 0 : errno));
  close(s);
  int t = socket(AF_INET, SOCK_STREAM, 0);
  show_set("TCP IP_TOS", t, IPPROTO_IP, IP_TOS, 0x13);
  show_get("TCP IP_TOS", t, IPPROTO_IP, IP_TOS);
  close(t);
}

static void v6_datagrams(void) {
  int rx, tx;
  struct sockaddr_storage to;
  socklen_t tolen;
  printf("IPv6 datagrams\n");
  if (make(AF_INET6, &rx, &tx, &to, &tolen) != 0) {
    printf("  setup failed\n");
    return;
  }
  printf("  nothing asked for\n");
  plain_send(tx, &to, tolen);
  receive(rx, 64);
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  printf("  hop limit, default\n");
  plain_send(tx, &to, tolen);
  receive(rx, 64);
  printf("  sent before RECVTCLASS was set, received after\n");
  plain_send(tx, &to, tolen);
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
  receive(rx, 64);
  printf("  sender's options at send time, then changed before the receive\n");
  sockopt_int(tx, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9);
  sockopt_int(tx, IPPROTO_IPV6, IPV6_TCLASS, 0x28);
  plain_send(tx, &to, tolen);
  sockopt_int(tx, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 200);
  receive(rx, 64);
  printf("  per-message hop limit and tclass\n");
  int hl = 3, tc = 0x11, m1 = -1, big = 256, m2 = -2;
  struct item both[] = {{IPPROTO_IPV6, IPV6_TCLASS, &tc, 4}, {IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, 4}};
  send_with(tx, &to, tolen, both, 2);
  receive(rx, 64);
  printf("  per-message -1 (the socket's)\n");
  struct item dflt[] = {{IPPROTO_IPV6, IPV6_TCLASS, &m1, 4}, {IPPROTO_IPV6, IPV6_HOPLIMIT, &m1, 4}};
  send_with(tx, &to, tolen, dflt, 2);
  receive(rx, 64);
  printf("  invalid per-message values\n");
  struct item bad1[] = {{IPPROTO_IPV6, IPV6_HOPLIMIT, &big, 4}};
  send_with(tx, &to, tolen, bad1, 1);
  struct item bad2[] = {{IPPROTO_IPV6, IPV6_TCLASS, &m2, 4}};
  send_with(tx, &to, tolen, bad2, 1);
  char five[5] = {1, 0, 0, 0, 0};
  struct item bad3[] = {{IPPROTO_IPV6, IPV6_TCLASS, five, 5}, {IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, 4}};
  send_with(tx, &to, tolen, bad3, 2);
  struct item bad4[] = {{IPPROTO_IPV6, IPV6_HOPLIMIT, five, 2}};
  send_with(tx, &to, tolen, bad4, 1);
  struct item unknown[] = {{IPPROTO_IPV6, 4242, &hl, 4}};
  send_with(tx, &to, tolen, unknown, 1);
  printf("  IPv4 items on an IPv6 datagram are ignored\n");
  struct item v4items[] = {{IPPROTO_IP, IP_TTL, &hl, 4}, {IPPROTO_IP, 4242, &hl, 4}};
  send_with(tx, &to, tolen, v4items, 2);
  receive(rx, 64);
  printf("  a SOL_SOCKET item of an unknown type\n");
  struct item sol[] = {{SOL_SOCKET, 4242, &hl, 4}};
  send_with(tx, &to, tolen, sol, 1);
  receive(rx, 64);
  printf("  packet info too\n");
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  plain_send(tx, &to, tolen);
  receive(rx, 128);
  printf("  short control buffers\n");
  size_t sizes[] = {0, 1, 15, 16, 17, 19, 20, 24, 36, 52, 56, 60, 72, 76, 80};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    printf("   space %zu\n", sizes[i]);
    plain_send(tx, &to, tolen);
    receive(rx, sizes[i]);
  }
  printf("  hostile control buffer\n");
  plain_send(tx, &to, tolen);
  {
    char data[16];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = (void *)8, .msg_controllen = 64};
    ssize_t n = recvmsg(rx, &m, MSG_DONTWAIT);
    printf("    recvmsg to a bad control pointer: %zd %s, controllen %zu, flags %x\n", n, n < 0 ? err_name(errno) : "",
           (size_t)m.msg_controllen, (unsigned)m.msg_flags);
    receive(rx, 128);
    plain_send(tx, &to, tolen);
    m.msg_control = NULL;
    m.msg_controllen = 64;
    n = recvmsg(rx, &m, MSG_DONTWAIT);
    printf("    recvmsg without a control buffer: %zd, controllen %zu, flags %x\n", n, (size_t)m.msg_controllen,
           (unsigned)m.msg_flags);
    n = recvmsg(rx, (struct msghdr *)8, MSG_DONTWAIT);
    printf("    recvmsg with a bad msghdr: %s\n", n < 0 ? err_name(errno) : "received");
  }
  printf("  MSG_PEEK gives them too\n");
  plain_send(tx, &to, tolen);
  {
    char data[8];
    union { char buf[128]; struct cmsghdr align; } ctl;
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    ssize_t n = recvmsg(rx, &m, MSG_DONTWAIT | MSG_PEEK);
    printf("    peek %zd, controllen %zu\n", n, (size_t)m.msg_controllen);
  }
  receive(rx, 128);
  printf("  a connected sender\n");
  if (connect(tx, (struct sockaddr *)&to, tolen) == 0) {
    int hl = 77;
    struct item one[] = {{IPPROTO_IPV6, IPV6_HOPLIMIT, &hl, 4}};
    send_with(tx, NULL, 0, one, 1);
    receive(rx, 128);
  }
  {
    struct iovec iov = {"msg", 3};
    struct msghdr m = {.msg_name = &to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = (void *)8, .msg_controllen = 32};
    ssize_t n = sendmsg(tx, &m, 0);
    printf("    sendmsg from a bad control pointer: %s\n", n < 0 ? err_name(errno) : "sent");
  }
  printf("  options turned off again\n");
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, 0);
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVTCLASS, 0);
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 0);
  plain_send(tx, &to, tolen);
  receive(rx, 128);
  close(rx);
  close(tx);
}

static void v4_datagrams(void) {
  int rx, tx;
  struct sockaddr_storage to;
  socklen_t tolen;
  printf("IPv4 datagrams\n");
  if (make(AF_INET, &rx, &tx, &to, &tolen) != 0) {
    printf("  setup failed\n");
    return;
  }
  sockopt_int(rx, IPPROTO_IP, IP_RECVTTL, 1);
  sockopt_int(rx, IPPROTO_IP, IP_RECVTOS, 1);
  printf("  ttl and tos, defaults\n");
  plain_send(tx, &to, tolen);
  receive(rx, 64);
  printf("  sender's options\n");
  sockopt_int(tx, IPPROTO_IP, IP_TTL, 17);
  sockopt_int(tx, IPPROTO_IP, IP_TOS, 0x10);
  plain_send(tx, &to, tolen);
  receive(rx, 64);
  printf("  per-message ttl and tos\n");
  int ttl = 5, tos = 0x08, zero = 0, big = 256;
  unsigned char tosb = 0x04;
  struct item both[] = {{IPPROTO_IP, IP_TTL, &ttl, 4}, {IPPROTO_IP, IP_TOS, &tos, 4}};
  send_with(tx, &to, tolen, both, 2);
  receive(rx, 64);
  struct item byte[] = {{IPPROTO_IP, IP_TOS, &tosb, 1}};
  send_with(tx, &to, tolen, byte, 1);
  receive(rx, 64);
  printf("  invalid per-message values\n");
  struct item bad1[] = {{IPPROTO_IP, IP_TTL, &zero, 4}};
  send_with(tx, &to, tolen, bad1, 1);
  struct item bad2[] = {{IPPROTO_IP, IP_TOS, &big, 4}};
  send_with(tx, &to, tolen, bad2, 1);
  struct item bad3[] = {{IPPROTO_IP, IP_TTL, &ttl, 1}};
  send_with(tx, &to, tolen, bad3, 1);
  struct item bad4[] = {{IPPROTO_IP, 4242, &ttl, 4}};
  send_with(tx, &to, tolen, bad4, 1);
  struct item v6items[] = {{IPPROTO_IPV6, IPV6_HOPLIMIT, &ttl, 4}, {IPPROTO_IPV6, 4242, &ttl, 4}};
  send_with(tx, &to, tolen, v6items, 2);
  receive(rx, 64);
  printf("  packet info too\n");
  sockopt_int(rx, IPPROTO_IP, IP_PKTINFO, 1);
  plain_send(tx, &to, tolen);
  receive(rx, 128);
  printf("  short control buffers\n");
  size_t sizes[] = {16, 20, 24, 36, 40, 48, 56, 60, 64};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    printf("   space %zu\n", sizes[i]);
    plain_send(tx, &to, tolen);
    receive(rx, sizes[i]);
  }
  close(rx);
  close(tx);
}

/* An IPv4 datagram to a dual-stack IPv6 receiver. */
static void mapped(void) {
  printf("IPv4 to a dual-stack IPv6 socket\n");
  int rx = socket(AF_INET6, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = in6addr_any};
  socklen_t l = sizeof a;
  if (bind(rx, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(rx, (struct sockaddr *)&a, &l) != 0) return;
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
  sockopt_int(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
  struct sockaddr_storage to;
  memset(&to, 0, sizeof to);
  struct sockaddr_in *t = (struct sockaddr_in *)&to;
  t->sin_family = AF_INET;
  t->sin_port = a.sin6_port;
  t->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockopt_int(tx, IPPROTO_IP, IP_TTL, 33);
  plain_send(tx, &to, sizeof *t);
  receive(rx, 128);
  sockopt_int(rx, IPPROTO_IP, IP_RECVTTL, 1);
  sockopt_int(rx, IPPROTO_IP, IP_RECVTOS, 1);
  plain_send(tx, &to, sizeof *t);
  receive(rx, 128);
  close(rx);
  close(tx);
}

/* Stream sockets take the options but give no control messages. */
static void tcp(void) {
  printf("TCP\n");
  int l = socket(AF_INET6, SOCK_STREAM, 0);
  struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = in6addr_loopback};
  socklen_t len = sizeof a;
  if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 || getsockname(l, (struct sockaddr *)&a, &len) != 0)
    return;
  int c = socket(AF_INET6, SOCK_STREAM, 0);
  if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) return;
  int s = accept(l, NULL, NULL);
  sockopt_int(s, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
  sockopt_int(s, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
  int hl = 3;
  struct iovec iov = {"msg", 3};
  union { char buf[64]; struct cmsghdr align; } ctl;
  memset(ctl.buf, 0, sizeof ctl.buf);
  struct cmsghdr *cm = (struct cmsghdr *)ctl.buf;
  cm->cmsg_level = IPPROTO_IPV6;
  cm->cmsg_type = IPV6_HOPLIMIT;
  cm->cmsg_len = CMSG_LEN(4);
  memcpy(CMSG_DATA(cm), &hl, 4);
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = CMSG_SPACE(4)};
  ssize_t n = sendmsg(c, &m, 0);
  printf("  sendmsg with IPV6_HOPLIMIT: %s\n", n < 0 ? err_name(errno) : "sent");
  receive(s, 64);
  close(s);
  close(c);
  close(l);
}

int main(void) {
  v6_options();
  v4_options();
  v6_datagrams();
  v4_datagrams();
  mapped();
  tcp();
  return 0;
}
