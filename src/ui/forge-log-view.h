/* forge-log-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FORGE_TYPE_LOG_VIEW (forge_log_view_get_type ())

G_DECLARE_FINAL_TYPE (ForgeLogView, forge_log_view, FORGE, LOG_VIEW, GtkWidget)

/* Install and server output: searchable (Ctrl+F), copyable, bounded. */
GtkWidget *forge_log_view_new       (void);
void       forge_log_view_append    (ForgeLogView *self,
                                     const char   *stream,
                                     const char   *line);
void       forge_log_view_clear     (ForgeLogView *self);
char      *forge_log_view_dup_text  (ForgeLogView *self);
/* Highlights every match; returns how many there are. */
guint      forge_log_view_search    (ForgeLogView *self,
                                     const char   *text);

G_END_DECLS
