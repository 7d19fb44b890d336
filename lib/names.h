/* names.h: the name function of an enum declared as an X-macro list
 * (X(NAME, "text") per value, in enum order):
 *
 *   RM_ENUM_NAMES(orm_type_name, orm_type, ORM_TYPES)
 *
 * defines `const char *orm_type_name(orm_type v)`: the value's text, "?"
 * for anything outside the list. */
#ifndef RM_NAMES_H
#define RM_NAMES_H

#define RM_ENUM_NAME_TEXT_(n, s) s,

#define RM_ENUM_NAMES(fn, type, LIST)                                                       \
    const char *fn(type v)                                                                  \
    {                                                                                       \
        static const char *const names[] = {LIST(RM_ENUM_NAME_TEXT_)};                      \
        return (unsigned)v < sizeof names / sizeof names[0] ? names[(unsigned)v] : "?";     \
    }

#endif
