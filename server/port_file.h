/* port_file.h: the --port-file of the restmap binary: where a local client
 * (a container's HEALTHCHECK, a script that started the server with
 * --port 0) reads the address and port the server actually listens on.
 *
 * The file holds one line, "HOST PORT\n": HOST is the bind address, except
 * that a wildcard (0.0.0.0, ::) becomes its loopback (127.0.0.1, ::1), so
 * HOST is always an address to connect to; PORT is the bound port (the one
 * the kernel chose for --port 0). Read it in a shell with
 * `read -r host port < FILE`. */
#ifndef RM_PORT_FILE_H
#define RM_PORT_FILE_H

#include <stddef.h>

/* Remove a file left by an earlier run (its port may belong to another
 * process by now). A missing file is fine; any other failure is -1 with a
 * message in err. */
int rm_port_file_clear(const char *path, char *err, size_t errlen);

/* Write "HOST PORT\n" for bind address `bind` and `port` into path, all at
 * once (a temporary file beside it, then rename), so a reader never sees a
 * part of it. Returns 0, or -1 with a message naming the file in err. */
int rm_port_file_write(const char *path, const char *bind, int port, char *err, size_t errlen);

/* The connectable host for bind address `bind` (see above): a pointer to a
 * constant string or to bind itself. */
const char *rm_port_file_host(const char *bind);

#endif
