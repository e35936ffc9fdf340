/*
 * fileio.h - reading and writing the files users hand to runnel (internal to the library and the CLI).
 *
 * One reader and one writer for every layer, so that every module, manifest, graph, state file and
 * stdin read has the same size cap and the same error texts, and every file runnel rewrites for a user
 * is replaced the same careful way:
 *
 *   - rn_read_file / rn_read_fd read at most a limit of bytes and fail with RN_IO_TOO_LARGE beyond it,
 *     instead of growing until the machine runs out of memory (`runnel validate /dev/zero`). The limit
 *     is rn_max_input(): the environment variable RUNNEL_MAX_INPUT (bytes) if set, else 256 MiB, the
 *     cap a module fetched by URL has always had. An environment variable rather than an option, so
 *     that it holds for every command and for the library's own reads (manifest wasm paths) alike.
 *   - rn_write_file_atomic never leaves a half-written file nor loses the old one: a temporary file in
 *     the same directory, written and fsync'ed, renamed over the old file, then the directory fsync'ed
 *     so that the rename itself survives a crash. The old file's permission bits (and owner, when
 *     allowed) are kept. A symbolic link is followed on purpose: the file it points to is replaced and
 *     the link stays, so a state file kept elsewhere through a link goes on working; a link that points
 *     to nothing is refused rather than guessed at. A device or FIFO in path's place (/dev/null,
 *     /dev/stdout) is written into instead: replacing it would replace the device node.
 *
 * Functions return 0 or an error code: an errno value, or one of the RN_IO_* codes below;
 * rn_io_strerror turns either into text.
 */
#ifndef RN_FILEIO_H
#define RN_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RN_DEFAULT_MAX_INPUT ((size_t)256 << 20)

enum {
    RN_IO_TOO_LARGE = -1, /* more bytes than the limit */
    RN_IO_BAD_LIMIT = -2, /* RUNNEL_MAX_INPUT is not a positive number of bytes */
    RN_IO_DANGLING = -3,  /* a symbolic link to a file that does not exist */
};

/* The input limit: RUNNEL_MAX_INPUT (decimal bytes, at least 1) if set, else RN_DEFAULT_MAX_INPUT.
   Returns 0 and sets *max, or RN_IO_BAD_LIMIT. */
int rn_max_input(size_t *max);

/* Reads all of fd (a file, pipe or device) into a malloc'ed buffer (non-NULL even when empty), at most
   rn_max_input() bytes. The descriptor is not closed. */
int rn_read_fd(int fd, uint8_t **out, size_t *len);
/* rn_read_fd on a path. A directory is EISDIR; a missing file ENOENT, a dangling link RN_IO_DANGLING. */
int rn_read_file(const char *path, uint8_t **out, size_t *len);

/* Replaces path with data as described above. On failure the old file is as it was. */
int rn_write_file_atomic(const char *path, const void *data, size_t len);

/* The text of an error code; for RN_IO_TOO_LARGE it names the limit in force. */
const char *rn_io_strerror(int err, char *buf, size_t size);

#endif
