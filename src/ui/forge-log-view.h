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
/* Highlights every match and goes to the first; returns how many there
 * are. */
guint      forge_log_view_search    (ForgeLogView *self,
                                     const char   *text);
/* To the next or previous match, round the ends (Enter, Ctrl+G and
 * Shift+Ctrl+G in the search entry, or the arrows). */
void       forge_log_view_next_match     (ForgeLogView *self);
void       forge_log_view_previous_match (ForgeLogView *self);
/* Which match is the current one, from 1; 0 when there is none. */
guint      forge_log_view_get_current_match (ForgeLogView *self);
/* Shows the newest line (also when the log is only now shown). */
void       forge_log_view_scroll_to_end  (ForgeLogView *self);
gboolean   forge_log_view_get_scrolled_to_end (ForgeLogView *self);

G_END_DECLS
