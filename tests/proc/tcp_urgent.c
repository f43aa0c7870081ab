/* TCP urgent data on the loopback: send(MSG_OOB) makes the last byte
 * urgent; the receiver sees POLLPRI, reads stop at the mark, SIOCATMARK
 * finds it, recv(MSG_OOB) takes the byte (or, with SO_OOBINLINE, it stays
 * in the stream). Natively this is the host's loopback; in vmrun the
 * sandbox's own. */
#include "proc.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static int server, client;

static void show_poll(const char *what) {
  struct pollfd p = {.fd = server, .events = POLLIN | POLLPRI};
  int n = poll(&p, 1, 2000);
  printf("%-28s poll %d:%s%s\n", what, n, (p.revents & POLLIN) ? " IN" : "", (p.revents & POLLPRI) ? " PRI" : "");
}

static void show_mark(void) {
  int at = -1;
  if (ioctl(server, SIOCATMARK, &at) != 0) printf("  SIOCATMARK: %s\n", err_name(errno));
  else printf("  SIOCATMARK: %d\n", at);
}

static void receive(const char *what, int flags) {
  char buf[16];
  ssize_t n = recv(server, buf, sizeof buf, flags | MSG_DONTWAIT);
  if (n < 0) printf("  %s: %s\n", what, err_name(errno));
  else printf("  %s: \"%.*s\"\n", what, (int)n, buf);
}

int main(void) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 || getsockname(l, (struct sockaddr *)&a, &len) != 0)
    return 1;
  client = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(client, (struct sockaddr *)&a, sizeof a) != 0) return 1;
  server = accept(l, NULL, NULL);
  int one = 1;
  setsockopt(client, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);

  receive("no urgent data yet, MSG_OOB", MSG_OOB);
  show_mark();

  /* Out of line: the urgent byte leaves the stream. */
  printf("send abc MSG_OOB: %zd\n", send(client, "abc", 3, MSG_OOB));
  show_poll("urgent data sent");
  receive("read", 0);
  show_mark();
  receive("MSG_OOB with MSG_PEEK", MSG_OOB | MSG_PEEK);
  receive("MSG_OOB", MSG_OOB);
  receive("MSG_OOB again", MSG_OOB);
  show_mark();
  printf("send de: %zd\n", send(client, "de", 2, 0));
  show_poll("more data");
  receive("read", 0);
  show_mark();

  /* Inline: the urgent byte stays; the mark still stops a read. */
  setsockopt(server, SOL_SOCKET, SO_OOBINLINE, &one, sizeof one);
  int v = 0;
  socklen_t vl = sizeof v;
  getsockopt(server, SOL_SOCKET, SO_OOBINLINE, &v, &vl);
  printf("SO_OOBINLINE: %d\n", v);
  printf("send xyz MSG_OOB: %zd\n", send(client, "xyz", 3, MSG_OOB));
  show_poll("inline urgent data sent");
  receive("read", 0);
  show_mark();
  receive("MSG_OOB", MSG_OOB);
  receive("read", 0);
  show_mark();

  /* Elsewhere. */
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  printf("UDP send MSG_OOB: %s\n", sendto(u, "q", 1, MSG_OOB, (struct sockaddr *)&a, sizeof a) < 0 ? err_name(errno) : "sent");
  int p[2];
  if (pipe(p) != 0) return 1;
  int at;
  printf("SIOCATMARK on a pipe: %s\n", ioctl(p[0], SIOCATMARK, &at) < 0 ? err_name(errno) : "ok");
  return 0;
}
