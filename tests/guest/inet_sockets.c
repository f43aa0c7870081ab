/* AF_INET and AF_INET6 sockets on the loopback: TCP between a server and
 * a forked client on 127.0.0.1 and ::1 (bind to an ephemeral port,
 * getsockname/getpeername, accept's address, send/recv, shutdown and end
 * of file), a dual-stack listener reached over IPv4, non-blocking connect
 * and poll, UDP datagrams (sendto/recvfrom, connect, the sender's
 * address), options, and the errors: EADDRINUSE, ECONNREFUSED,
 * EADDRNOTAVAIL, ENOTCONN.  Only deterministic facts are printed (a port
 * is "nonzero", never its value).  A non-loopback destination is
 * ENETUNREACH under vmrun (no routes); a host's answer depends on its
 * routes, so that check runs in the sandbox only (hostname "vmrun") and the
 * reference prints the line Linux gives without a route. */
#include "common.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>

static const char *res(long r) {
  static char buf[64];
  if (r < 0) snprintf(buf, sizeof buf, "-1 %s", err_name(errno));
  else snprintf(buf, sizeof buf, "%ld", r);
  return buf;
}

typedef union {
  struct sockaddr sa;
  struct sockaddr_in in;
  struct sockaddr_in6 in6;
  struct sockaddr_storage ss;
} addr_t;

static socklen_t make_addr(addr_t *a, int family, const char *ip, int port) {
  memset(a, 0, sizeof *a);
  if (family == AF_INET) {
    a->in.sin_family = AF_INET;
    a->in.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a->in.sin_addr);
    return sizeof a->in;
  }
  a->in6.sin6_family = AF_INET6;
  a->in6.sin6_port = htons(port);
  inet_pton(AF_INET6, ip, &a->in6.sin6_addr);
  return sizeof a->in6;
}

static int port_of(const addr_t *a) { return ntohs(a->sa.sa_family == AF_INET ? a->in.sin_port : a->in6.sin6_port); }

static const char *ip_of(const addr_t *a) {
  static char buf[64];
  if (a->sa.sa_family == AF_INET) inet_ntop(AF_INET, &a->in.sin_addr, buf, sizeof buf);
  else inet_ntop(AF_INET6, &a->in6.sin6_addr, buf, sizeof buf);
  return buf;
}

static void describe(const char *label, int fd, int peer) {
  addr_t a;
  socklen_t len = sizeof a;
  int r = peer ? getpeername(fd, &a.sa, &len) : getsockname(fd, &a.sa, &len);
  if (r < 0) {
    printf("%s: %s\n", label, res(r));
    return;
  }
  printf("%s: family %s len %u ip %s port %s\n", label, a.sa.sa_family == AF_INET ? "AF_INET" : "AF_INET6",
         (unsigned)len, ip_of(&a), port_of(&a) ? "nonzero" : "0");
}

static int local_port(int fd) {
  addr_t a;
  socklen_t len = sizeof a;
  getsockname(fd, &a.sa, &len);
  return port_of(&a);
}

static int getopt_int(int fd, int level, int opt) {
  int v = -1;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, opt, &v, &len) < 0) return -errno;
  return v;
}

/* A TCP server and a forked client on `ip`. */
static void tcp_round(int family, const char *ip) {
  printf("== tcp %s\n", ip);
  int srv = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  printf("reuseaddr: %s\n", res(setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)));
  addr_t a;
  socklen_t len = make_addr(&a, family, ip, 0);
  printf("bind: %s\n", res(bind(srv, &a.sa, len)));
  printf("bind again: %s\n", res(bind(srv, &a.sa, len)));
  describe("server name", srv, 0);
  int port = local_port(srv);
  printf("listen: %s\n", res(listen(srv, 4)));
  describe("listener peer", srv, 1);
  printf("acceptconn: %d\n", getopt_int(srv, SOL_SOCKET, SO_ACCEPTCONN));

  /* The same port, without SO_REUSEADDR on either: taken. */
  int other = socket(family, SOCK_STREAM, 0);
  make_addr(&a, family, ip, port);
  printf("bind taken port: %s\n", res(bind(other, &a.sa, len)));
  close(other);

  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int c = socket(family, SOCK_STREAM, 0);
    describe("client before connect", c, 0);
    make_addr(&a, family, ip, port);
    printf("client connect: %s\n", res(connect(c, &a.sa, len)));
    printf("client connect again: %s\n", res(connect(c, &a.sa, len)));
    describe("client name", c, 0);
    describe("client peer", c, 1);
    printf("client peer port is the server's: %s\n", ({
             addr_t p;
             socklen_t pl = sizeof p;
             getpeername(c, &p.sa, &pl);
             port_of(&p) == port ? "yes" : "no";
           }));
    char msg[64];
    int n = snprintf(msg, sizeof msg, "hello from %d", local_port(c));
    printf("client send: %s\n", res(send(c, msg, n, 0)));
    char buf[64];
    ssize_t r = recv(c, buf, sizeof buf, 0);
    printf("client recv: %s '%.*s'\n", res(r), r > 0 ? (int)r : 0, buf);
    r = recv(c, buf, sizeof buf, 0);
    printf("client recv after shutdown: %s\n", res(r));
    close(c);
    fflush(stdout);
    _exit(0);
  }
  addr_t peer;
  socklen_t plen = sizeof peer;
  int conn = accept4(srv, &peer.sa, &plen, SOCK_CLOEXEC);
  char log[2048];
  int ll = 0;
  ll += snprintf(log + ll, sizeof log - ll, "accept: %s len %u family %s ip %s\n", conn >= 0 ? "fd" : res(conn),
                 (unsigned)plen, peer.sa.sa_family == AF_INET ? "AF_INET" : "AF_INET6", ip_of(&peer));
  char buf[64];
  ssize_t r = recv(conn, buf, sizeof buf - 1, MSG_WAITALL * 0);
  buf[r > 0 ? r : 0] = 0;
  int their_port = r > 11 ? atoi(buf + 11) : -1;
  ll += snprintf(log + ll, sizeof log - ll, "server recv: %s\n", r > 0 ? "message" : res(r));
  ll += snprintf(log + ll, sizeof log - ll, "accepted peer port is the client's: %s\n",
                 their_port == port_of(&peer) && their_port != 0 ? "yes" : "no");
  ll += snprintf(log + ll, sizeof log - ll, "accepted local port is the listener's: %s\n",
                 local_port(conn) == port ? "yes" : "no");
  ll += snprintf(log + ll, sizeof log - ll, "server send: %s\n", res(send(conn, "world", 5, 0)));
  ll += snprintf(log + ll, sizeof log - ll, "server shutdown: %s\n", res(shutdown(conn, SHUT_WR)));
  r = recv(conn, buf, sizeof buf, 0);
  ll += snprintf(log + ll, sizeof log - ll, "server recv at end: %s\n", res(r));
  int st;
  waitpid(pid, &st, 0);
  fputs(log, stdout);
  printf("child status: %d\n", WEXITSTATUS(st));
  close(conn);

  /* Non-blocking connect: in progress, then writable with SO_ERROR 0. */
  int nb = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  make_addr(&a, family, ip, port);
  int cr = connect(nb, &a.sa, len);
  printf("nonblocking connect: %s\n", cr == 0 || errno == EINPROGRESS ? "0 or EINPROGRESS" : res(cr));
  struct pollfd pfd = {nb, POLLOUT, 0};
  int pr = poll(&pfd, 1, 5000);
  printf("poll out: %d %s\n", pr, pfd.revents & POLLOUT ? "POLLOUT" : "-");
  printf("so_error: %d\n", getopt_int(nb, SOL_SOCKET, SO_ERROR));
  pfd.fd = srv;
  pfd.events = POLLIN;
  printf("listener readable: %d\n", poll(&pfd, 1, 5000));
  int acc = accept(srv, NULL, NULL);
  printf("accept without address: %s\n", acc >= 0 ? "fd" : res(acc));
  char c1;
  printf("nonblocking recv: %s\n", res(recv(nb, &c1, 1, 0)));
  close(acc);
  pfd.fd = nb;
  pfd.events = POLLIN;
  printf("peer closed, readable: %d\n", poll(&pfd, 1, 5000));
  printf("recv at end: %s\n", res(recv(nb, &c1, 1, 0)));
  close(nb);

  close(srv);
  int late = socket(family, SOCK_STREAM, 0);
  printf("connect to closed port: %s\n", res(connect(late, &a.sa, len)));
  close(late);
}

static void udp_round(int family, const char *ip) {
  printf("== udp %s\n", ip);
  int a_fd = socket(family, SOCK_DGRAM, 0), b_fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP);
  addr_t a;
  socklen_t len = make_addr(&a, family, ip, 0);
  printf("bind: %s\n", res(bind(a_fd, &a.sa, len)));
  describe("receiver name", a_fd, 0);
  describe("receiver peer", a_fd, 1);
  int port = local_port(a_fd);
  make_addr(&a, family, ip, port);
  printf("sendto: %s\n", res(sendto(b_fd, "datagram one", 12, 0, &a.sa, len)));
  describe("sender name after sendto", b_fd, 0);
  printf("sendto again: %s\n", res(sendto(b_fd, "two", 3, 0, &a.sa, len)));
  char buf[64];
  addr_t from;
  socklen_t flen = sizeof from;
  ssize_t r = recvfrom(a_fd, buf, 5, 0, &from.sa, &flen);
  printf("recvfrom (truncated): %s '%.*s' from %s port is the sender's: %s\n", res(r), r > 0 ? (int)r : 0, buf,
         ip_of(&from), port_of(&from) == local_port(b_fd) ? "yes" : "no");
  r = recv(a_fd, buf, sizeof buf, 0);
  printf("recv: %s '%.*s'\n", res(r), r > 0 ? (int)r : 0, buf);
  printf("recv empty, nonblocking: %s\n", res(recv(b_fd, buf, sizeof buf, 0)));
  printf("send unconnected: %s\n", res(send(b_fd, "x", 1, 0)));
  printf("connect: %s\n", res(connect(a_fd, &from.sa, flen)));
  describe("connected peer", a_fd, 1);
  printf("send connected: %s\n", res(send(a_fd, "back", 4, 0)));
  r = recv(b_fd, buf, sizeof buf, 0);
  printf("reply: %s '%.*s'\n", res(r), r > 0 ? (int)r : 0, buf);
  {
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {"x", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int zero = 0;
    memcpy(CMSG_DATA(c), &zero, sizeof zero);
    printf("scm_rights over udp: %s\n", res(sendmsg(a_fd, &m, 0)));
  }
  printf("listen on udp: %s\n", res(listen(a_fd, 1)));
  printf("accept on udp: %s\n", res(accept(a_fd, NULL, NULL)));
  close(a_fd);
  close(b_fd);
}

int main(void) {
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  tcp_round(AF_INET, "127.0.0.1");
  tcp_round(AF_INET6, "::1");
  udp_round(AF_INET, "127.0.0.1");
  udp_round(AF_INET6, "::1");

  printf("== dual stack\n");
  int six = socket(AF_INET6, SOCK_STREAM, 0);
  printf("v6only default: %d\n", getopt_int(six, IPPROTO_IPV6, IPV6_V6ONLY));
  addr_t a;
  socklen_t len = make_addr(&a, AF_INET6, "::", 0);
  printf("bind ::: %s\n", res(bind(six, &a.sa, len)));
  printf("listen: %s\n", res(listen(six, 1)));
  int port = local_port(six);
  int four = socket(AF_INET, SOCK_STREAM, 0);
  socklen_t len4 = make_addr(&a, AF_INET, "127.0.0.1", port);
  printf("connect over ipv4: %s\n", res(connect(four, &a.sa, len4)));
  addr_t peer;
  socklen_t plen = sizeof peer;
  int conn = accept(six, &peer.sa, &plen);
  printf("accepted: %s len %u ip %s\n", conn >= 0 ? "fd" : res(conn), (unsigned)plen, ip_of(&peer));
  describe("accepted name", conn, 0);
  close(conn);
  close(four);
  close(six);

  printf("== options and errors\n");
  int t = socket(AF_INET, SOCK_STREAM, 0);
  printf("so_type: %d so_domain: %d so_protocol: %d\n", getopt_int(t, SOL_SOCKET, SO_TYPE),
         getopt_int(t, SOL_SOCKET, SO_DOMAIN), getopt_int(t, SOL_SOCKET, SO_PROTOCOL));
  int one = 1;
  printf("reuseaddr before: %d\n", getopt_int(t, SOL_SOCKET, SO_REUSEADDR));
  setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  printf("reuseaddr after: %d\n", getopt_int(t, SOL_SOCKET, SO_REUSEADDR) != 0);
  printf("nodelay set: %s\n", res(setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)));
  printf("nodelay: %d\n", getopt_int(t, IPPROTO_TCP, TCP_NODELAY) != 0);
  printf("keepalive set: %s\n", res(setsockopt(t, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one)));
  printf("keepalive: %d\n", getopt_int(t, SOL_SOCKET, SO_KEEPALIVE) != 0);
  char c;
  printf("recv unconnected: %s\n", res(recv(t, &c, 1, 0)));
  printf("send unconnected: %s\n", res(send(t, &c, 1, MSG_NOSIGNAL)));
  printf("shutdown unconnected: %s\n", res(shutdown(t, SHUT_RDWR)));
  describe("unbound name", t, 0);
  describe("unconnected peer", t, 1);
  len = make_addr(&a, AF_INET, "192.0.2.1", 0);
  printf("bind non-local: %s\n", res(bind(t, &a.sa, len)));
  len = make_addr(&a, AF_INET6, "::1", 0);
  printf("bind ipv6 address on ipv4 socket: %s\n", res(bind(t, &a.sa, sizeof a.in6)));
  printf("bind short address: %s\n", res(bind(t, &a.sa, 8)));
  int sv[2];
  printf("socketpair inet: %s\n", res(socketpair(AF_INET, SOCK_STREAM, 0, sv)));
  printf("socket inet seqpacket: %s\n", res(socket(AF_INET, SOCK_SEQPACKET, 0)));
  printf("socket udp protocol tcp: %s\n", res(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP)));
  printf("bad address pointer: %s\n", res(bind(t, (struct sockaddr *)8, 16)));
  close(t);

  struct utsname u;
  uname(&u);
  if (strcmp(u.nodename, "vmrun") == 0) {
    const char *dests[] = {"10.1.2.3", "8.8.8.8"};
    for (int i = 0; i < 2; i++) {
      int s = socket(AF_INET, SOCK_STREAM, 0);
      len = make_addr(&a, AF_INET, dests[i], 80);
      printf("connect %s: %s\n", dests[i], res(connect(s, &a.sa, len)));
      close(s);
    }
    int s = socket(AF_INET6, SOCK_DGRAM, 0);
    len = make_addr(&a, AF_INET6, "2001:db8::1", 53);
    printf("sendto 2001:db8::1: %s\n", res(sendto(s, "q", 1, 0, &a.sa, len)));
    close(s);
  } else {
    printf("connect 10.1.2.3: -1 ENETUNREACH\nconnect 8.8.8.8: -1 ENETUNREACH\nsendto 2001:db8::1: -1 ENETUNREACH\n");
  }
  return 0;
}
