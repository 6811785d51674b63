/* forge-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *forge_strip_ansi          (const char *text);
char     *forge_data_dir            (void);
char     *forge_state_dir           (void);
char     *forge_cache_dir           (void);
gboolean  forge_write_file_atomic   (const char  *path,
                                     const char  *contents,
                                     gssize       length,
                                     GError     **error);

G_END_DECLS
