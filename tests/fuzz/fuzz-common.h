/* fuzz-common.h
 *
 * What every libFuzzer target shares: a private scratch folder, a log
 * writer that turns criticals into crashes, and a container format that
 * splits one input into several files.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* Separates the parts of a multi-file input: never valid UTF-8, so no
 * text file the app reads needs it. */
#define FUZZ_PART_SEPARATOR '\xff'

/* Once per process: quiet warnings, abort on criticals (what the test
 * suite's G_DEBUG=fatal-criticals does), and a scratch folder of the
 * process's own, removed at exit. Returns that folder. */
const char  *fuzz_setup        (void);

/* @data as a NUL-terminated string; NULL when it holds a NUL (C callers
 * could not have been handed the rest). */
char        *fuzz_dup_string   (const uint8_t *data,
                                size_t         size);

/* @data cut at each FUZZ_PART_SEPARATOR, at most @max_parts (the last
 * one keeps any further separators). */
GPtrArray   *fuzz_split_parts  (const uint8_t *data,
                                size_t         size,
                                guint          max_parts);

/* Writes @contents to @path (0600), aborting when it cannot: a target
 * that cannot set up its input must not pass for a clean run. */
void         fuzz_write_file   (const char    *path,
                                const void    *contents,
                                gsize          length);

/* Empties @dir, which must lie in the scratch folder, keeping @dir. */
void         fuzz_empty_dir    (const char    *dir);

/* FALSE when @data may hold more than one JSON value at its top level
 * ("{}{}", "\"a\" 1"). json-glib 1.6 takes such text, keeps the last
 * value and leaks the others: inputs that would only find that leak of
 * a system library are skipped (conservatively: a comment after the
 * value counts as a second one). */
gboolean     fuzz_json_single_value (const char *data,
                                     gsize       length);

/* Aborts unless @message is one line: errors a user can cause are shown
 * as one. */
void         fuzz_assert_one_line (const char *message);

G_END_DECLS
