/* forge-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Dev server output without its colours (CSI and OSC sequences, \r). */
char     *forge_strip_ansi          (const char *text);
/* $XDG_*_HOME/forge-preview, read from the environment each time. */
char     *forge_data_dir            (void);
char     *forge_state_dir           (void);
char     *forge_cache_dir           (void);
/* Temp file, fsync, rename: a crash leaves the old or the new file. 0600. */
gboolean  forge_write_file_atomic   (const char  *path,
                                     const char  *contents,
                                     gssize       length,
                                     GError     **error);


/* The first http(s) URL on a dev server's output line that points at this
 * machine ("Local: http://127.0.0.1:5173/app/"), ANSI codes ignored; NULL
 * when there is none. */
char     *forge_find_local_url      (const char  *line);
/* A TCP port free on 127.0.0.1 right now. */
guint     forge_pick_free_port      (GError     **error);
/* Hex SHA-256 of a file's contents, or NULL if it cannot be read. */
char     *forge_checksum_file       (const char  *path);
/* Removes a directory tree without following symlinks. Blocking. */
gboolean  forge_remove_tree         (const char  *path,
                                     GError     **error);


/* Runs func on context through an idle source, always: unlike
 * g_main_context_invoke() it never runs func right away on the calling
 * thread, which a worker thread could otherwise do while the owner of
 * context is not iterating it. */
void      forge_dispatch_on_context (GMainContext   *context,
                                     int             priority,
                                     GSourceFunc     func,
                                     gpointer        data,
                                     GDestroyNotify  notify);

G_END_DECLS
