/*
 * silent_server.c - a TCP server that takes connections and never answers, for fetch_timeout.sh.
 *
 * It listens on 127.0.0.1 on a port the system chooses, prints the port on stdout, and then only waits
 * for its stdin to close (the test's way of ending it, with no signal and no timing involved). It never
 * calls accept(): the kernel completes the handshake of each connection in the backlog, so a client
 * connects, sends its request and waits for an answer that never comes, which is the case the URL fetch
 * timeouts exist for.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t al = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        perror("silent_server");
        return 1;
    }
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    char buf[256];
    while (read(STDIN_FILENO, buf, sizeof buf) > 0)
        ;
    close(fd);
    return 0;
}
