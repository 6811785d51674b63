/* forge-log-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-a11y.h"
#include "forge-log-view.h"

/* A dev server can print forever; keep memory bounded. */
#define MAX_LINES 5000

struct _ForgeLogView
{
  GtkWidget          parent_instance;

  GtkSearchBar      *search_bar;
  GtkSearchEntry    *search_entry;
  GtkScrolledWindow *scroller;
  GtkTextView       *text_view;
  GtkLabel          *match_label;

  GtkTextBuffer     *buffer;
  GtkTextTag        *match_tag;
  GtkTextTag        *stream_tag;
  guint              n_lines;
};

G_DEFINE_FINAL_TYPE (ForgeLogView, forge_log_view, GTK_TYPE_WIDGET)

static gboolean
is_scrolled_to_end (ForgeLogView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >= gtk_adjustment_get_upper (adj) - 4;
}

void
forge_log_view_append (ForgeLogView *self,
                       const char   *stream,
                       const char   *line)
{
  GtkTextIter end;
  gboolean follow;

  g_return_if_fail (FORGE_IS_LOG_VIEW (self));

  follow = is_scrolled_to_end (self);

  gtk_text_buffer_get_end_iter (self->buffer, &end);
  if (stream != NULL)
    {
      g_autofree char *prefix = g_strdup_printf ("%-7s ", stream);
      gtk_text_buffer_insert_with_tags (self->buffer, &end, prefix, -1, self->stream_tag, NULL);
    }
  gtk_text_buffer_insert (self->buffer, &end, line ? line : "", -1);
  gtk_text_buffer_insert (self->buffer, &end, "\n", 1);
  self->n_lines++;

  if (self->n_lines > MAX_LINES)
    {
      GtkTextIter start, cut;

      gtk_text_buffer_get_start_iter (self->buffer, &start);
      gtk_text_buffer_get_iter_at_line (self->buffer, &cut, (int) (self->n_lines - MAX_LINES));
      gtk_text_buffer_delete (self->buffer, &start, &cut);
      self->n_lines = MAX_LINES;
    }

  if (follow)
    {
      GtkTextMark *mark = gtk_text_buffer_get_insert (self->buffer);

      gtk_text_buffer_get_end_iter (self->buffer, &end);
      gtk_text_buffer_place_cursor (self->buffer, &end);
      gtk_text_view_scroll_mark_onscreen (self->text_view, mark);
    }
}

void
forge_log_view_clear (ForgeLogView *self)
{
  g_return_if_fail (FORGE_IS_LOG_VIEW (self));

  gtk_text_buffer_set_text (self->buffer, "", 0);
  self->n_lines = 0;
}

char *
forge_log_view_dup_text (ForgeLogView *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (FORGE_IS_LOG_VIEW (self), NULL);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}

guint
forge_log_view_search (ForgeLogView *self,
                       const char   *text)
{
  GtkTextIter start, end, match_start, match_end, first;
  gboolean have_first = FALSE;
  guint n_matches = 0;

  g_return_val_if_fail (FORGE_IS_LOG_VIEW (self), 0);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->match_tag, &start, &end);

  if (text == NULL || *text == '\0')
    {
      gtk_label_set_text (self->match_label, "");
      return 0;
    }

  while (gtk_text_iter_forward_search (&start, text, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                       &match_start, &match_end, NULL))
    {
      gtk_text_buffer_apply_tag (self->buffer, self->match_tag, &match_start, &match_end);
      if (!have_first)
        {
          first = match_start;
          have_first = TRUE;
        }
      n_matches++;
      start = match_end;
    }

  if (have_first)
    gtk_text_view_scroll_to_iter (self->text_view, &first, 0.1, FALSE, 0, 0);

  {
    g_autofree char *label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u match", "%u matches", n_matches), n_matches);
    gtk_label_set_text (self->match_label, label);
  }

  return n_matches;
}

static void
search_changed_cb (ForgeLogView   *self,
                   GtkSearchEntry *entry)
{
  forge_log_view_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ForgeLogView *self = FORGE_LOG_VIEW (widget);
  g_autofree char *text = forge_log_view_dup_text (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ForgeLogView *self = FORGE_LOG_VIEW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
forge_log_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), FORGE_TYPE_LOG_VIEW);
  /* The template's root has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL; )
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (forge_log_view_parent_class)->dispose (object);
}

static void
forge_log_view_class_init (ForgeLogViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_log_view_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, scroller);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, text_view);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, match_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "log.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "log.search", NULL, search_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "log.search", NULL);
}

static void
forge_log_view_init (ForgeLogView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->buffer = gtk_text_view_get_buffer (self->text_view);
  self->match_tag = gtk_text_buffer_create_tag (self->buffer, "match",
                                                "background", "#f8e45c",
                                                "foreground", "#000000",
                                                NULL);
  self->stream_tag = gtk_text_buffer_create_tag (self->buffer, "stream",
                                                 "foreground", "#77767b",
                                                 NULL);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  _forge_search_bar_label_close_button (self->search_bar);
}

GtkWidget *
forge_log_view_new (void)
{
  return g_object_new (FORGE_TYPE_LOG_VIEW, NULL);
}
