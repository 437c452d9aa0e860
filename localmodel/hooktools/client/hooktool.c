/*
 * The hook-tool client that runs inside a machine: invoked through a symlink named after the tool
 * (relation-get, status-set, ...), it sends the context id, working directory, tool name, arguments and (only
 * for `--file -`) stdin to the model agent over the unix socket in $JUJU_AGENT_SOCKET_ADDRESS, then prints what
 * the agent answers and exits with its code. Written in C so that a hook calling twenty tools pays ~1 ms each.
 *
 * Request:  "JLT1" u32 n; n x (u32 len, bytes) = [context id, cwd, tool, args...]; u8 has_stdin; u32 len, bytes
 * Response: u32 exit code; u32 len, stdout; u32 len, stderr; u32 len, output file (-o) or empty
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char *buf;
static size_t len, cap;

static void put(const void *p, size_t n) {
  if (len + n > cap) {
    while (len + n > cap) cap = cap ? cap * 2 : 4096;
    buf = realloc(buf, cap);
    if (!buf) { fputs("ERROR out of memory\n", stderr); exit(1); }
  }
  memcpy(buf + len, p, n);
  len += n;
}
static void put32(uint32_t v) { unsigned char b[4] = {v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >> 24) & 255}; put(b, 4); }
static void putstr(const char *s) { size_t n = strlen(s); put32((uint32_t)n); put(s, n); }

static int writeall(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    p += w; n -= (size_t)w;
  }
  return 0;
}

static uint32_t get32(const unsigned char *p) { return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24); }

int main(int argc, char **argv) {
  const char *tool = strrchr(argv[0], '/');
  tool = tool ? tool + 1 : argv[0];
  int first = 1;
  if (strcmp(tool, "jlt-hooktool") == 0) {  /* direct use: jlt-hooktool <tool> args... */
    if (argc < 2) { fputs("usage: jlt-hooktool <tool> [args...]\n", stderr); return 2; }
    tool = argv[1];
    first = 2;
  }
  const char *ctx = getenv("JUJU_CONTEXT_ID");
  const char *sock = getenv("JUJU_AGENT_SOCKET_ADDRESS");
  if (!ctx || !sock || !*sock) {
    fprintf(stderr, "ERROR %s: JUJU_CONTEXT_ID and JUJU_AGENT_SOCKET_ADDRESS must be set: hook tools work only inside a hook or action\n", tool);
    return 1;
  }
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
  /* `--file -` sends stdin; `--file <path>` sends that file's content (the agent cannot see the machine's files). */
  int want_stdin = 0;
  const char *file_arg = NULL;
  for (int i = first; i < argc; i++) {
    const char *v = NULL;
    if (strncmp(argv[i], "--file=", 7) == 0) v = argv[i] + 7;
    else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc) v = argv[i + 1];
    if (v && strcmp(v, "-") == 0) want_stdin = 1;
    else if (v) file_arg = v;
  }
  int in_fd = 0;
  if (!want_stdin && file_arg) {
    in_fd = open(file_arg, O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) { fprintf(stderr, "ERROR open %s: %s\n", file_arg, strerror(errno)); return 1; }
    want_stdin = 1;
  }
  put("JLT1", 4);
  put32((uint32_t)(3 + argc - first));
  putstr(ctx); putstr(cwd); putstr(tool);
  for (int i = first; i < argc; i++) putstr(argv[i]);
  if (want_stdin) {
    unsigned char one = 1; put(&one, 1);
    size_t at = len; put32(0);
    char tmp[65536]; ssize_t r; size_t total = 0;
    while ((r = read(in_fd, tmp, sizeof tmp)) != 0) {
      if (r < 0) { if (errno == EINTR) continue; break; }
      put(tmp, (size_t)r); total += (size_t)r;
    }
    unsigned char b[4] = {total & 255, (total >> 8) & 255, (total >> 16) & 255, (total >> 24) & 255};
    memcpy(buf + at, b, 4);
  } else {
    unsigned char zero = 0; put(&zero, 1); put32(0);
  }

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(sock) >= sizeof addr.sun_path) { fprintf(stderr, "ERROR socket path too long: %s\n", sock); return 1; }
  strcpy(addr.sun_path, sock);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fprintf(stderr, "ERROR cannot reach the model agent at %s: %s\n", sock, strerror(errno));
    return 1;
  }
  if (writeall(fd, buf, len) < 0) { fprintf(stderr, "ERROR writing to the model agent: %s\n", strerror(errno)); return 1; }
  shutdown(fd, SHUT_WR);
  len = 0;
  char tmp[65536]; ssize_t r;
  while ((r = read(fd, tmp, sizeof tmp)) != 0) {
    if (r < 0) { if (errno == EINTR) continue; fprintf(stderr, "ERROR reading from the model agent: %s\n", strerror(errno)); return 1; }
    put(tmp, (size_t)r);
  }
  close(fd);
  size_t at = 0;
  const unsigned char *u = (const unsigned char *)buf;
  if (len < 16) { fputs("ERROR the model agent closed the connection without an answer\n", stderr); return 1; }
  uint32_t code = get32(u); at = 4;
  uint32_t n = get32(u + at); at += 4; const char *out = buf + at; size_t outn = n; at += n;
  if (at + 4 > len) return 1;
  n = get32(u + at); at += 4; const char *err = buf + at; size_t errn = n; at += n;
  if (at + 4 > len) return 1;
  n = get32(u + at); at += 4;
  if (n > 0) {
    char path[4096];
    if (n >= sizeof path) n = sizeof path - 1;
    memcpy(path, buf + at, n); path[n] = 0;
    int of = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (of < 0) { fprintf(stderr, "ERROR cannot write %s: %s\n", path, strerror(errno)); return 1; }
    writeall(of, out, outn);
    close(of);
  } else {
    writeall(1, out, outn);
  }
  writeall(2, err, errn);
  return (int)code;
}
