/*
 * wasi_sock.c - sock_accept, sock_recv, sock_send, sock_shutdown: never granted.
 *
 * Preview 1 can only use sockets that the host hands over as preopened descriptors; it cannot create
 * or connect one. runnel hands none over, so no guest descriptor is ever a socket: the functions
 * exist (a module importing them must link) and answer as POSIX does for a descriptor that is not a
 * socket, ENOTSOCK, or EBADF when the descriptor is not open at all. Neither touches the host.
 */
#include "wasi_impl.h"

static uint16_t not_a_socket(rn_wcall *c)
{
    return rn_wfd_get(c->w, c->a[0].i32) ? RN_WE_NOTSOCK : RN_WE_BADF;
}

uint16_t rn_wasi_sock_accept(rn_wcall *c)
{
    return not_a_socket(c);
}

uint16_t rn_wasi_sock_recv(rn_wcall *c)
{
    return not_a_socket(c);
}

uint16_t rn_wasi_sock_send(rn_wcall *c)
{
    return not_a_socket(c);
}

uint16_t rn_wasi_sock_shutdown(rn_wcall *c)
{
    return not_a_socket(c);
}
