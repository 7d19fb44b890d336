/* dialect.c: quoting shared by every dialect; see dialect.h. */
#include "orm/dialect.h"

#include <string.h>

void orm_quote_ident(rm_sb *sb, const char *ident)
{
    rm_sb_appendc(sb, '"');
    for (const char *p = ident; *p; p++) {
        if (*p == '"') rm_sb_appendc(sb, '"');
        rm_sb_appendc(sb, *p);
    }
    rm_sb_appendc(sb, '"');
}

void orm_quote_string(rm_sb *sb, const char *s, size_t n)
{
    rm_sb_appendc(sb, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') rm_sb_appendc(sb, '\'');
        rm_sb_appendc(sb, s[i]);
    }
    rm_sb_appendc(sb, '\'');
}
