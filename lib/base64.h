/* base64.h: base64url without padding (RFC 4648 §5), for opaque cursors. */
#ifndef RM_BASE64_H
#define RM_BASE64_H

#include <stddef.h>

#include "lib/sb.h"

/* Append the encoding of data to sb. */
void rm_base64url_encode(rm_sb *sb, const void *data, size_t n);
/* Decode text (n chars) into out (room for n*3/4+1 bytes); returns the
 * decoded length, or -1 for a character outside the alphabet or a bad length. */
long rm_base64url_decode(const char *text, size_t n, unsigned char *out);

#endif
