/* forge-log-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <adwaita.h>
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
  GtkTextTag        *current_match_tag;
  GtkTextTag        *stream_tag;
  /* Where the current search match starts; left gravity, so that text
   * appended after it leaves it in place. */
  GtkTextMark       *current_match;
  GtkTextMark       *end_mark;
  guint              n_lines;
  /* Whether the view keeps to the newest line as lines come (it does
   * until the person scrolls away from the end). */
  gboolean           follow;
  double             last_value;
  double             last_upper;
  guint              n_matches;
  /* 1-based; 0 when there is no match. */
  guint              current_index;
  char              *search_text;
};

G_DEFINE_FINAL_TYPE (ForgeLogView, forge_log_view, GTK_TYPE_WIDGET)

static void update_match_label (ForgeLogView *self);

static gboolean
is_scrolled_to_end (ForgeLogView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  /* Scrolled to the last line, its bottom margin may stay below. */
  double slack = gtk_text_view_get_bottom_margin (self->text_view) + 4;

  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >= gtk_adjustment_get_upper (adj) - slack;
}

void
forge_log_view_append (ForgeLogView *self,
                       const char   *stream,
                       const char   *line)
{
  GtkTextIter end;

  g_return_if_fail (FORGE_IS_LOG_VIEW (self));

  /* Following the end happens when the text view has measured the new
   * lines (adjustment_changed_cb). */
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
}

static void
go_to_end (ForgeLogView *self)
{
  GtkTextIter end;

  /* Through a mark: the text view scrolls to it once it has measured
   * the lines above it, which a bare adjustment value cannot wait for. */
  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_buffer_move_mark (self->buffer, self->end_mark, &end);
  gtk_text_view_scroll_to_mark (self->text_view, self->end_mark, 0, TRUE, 0, 1.0);
}

/* The text view measures lines a few at a time: the end moves until it
 * is done, and a view that follows moves with it. */
static void
adjustment_changed_cb (ForgeLogView *self)
{
  if (self->follow)
    go_to_end (self);
}

/* The view stops following when the person scrolls up (the value goes
 * back while nothing above was cut), and follows again at the end. The
 * text view's own moves while it measures, and cut lines, leave it. */
static void
adjustment_value_changed_cb (ForgeLogView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  double value = gtk_adjustment_get_value (adj);
  double upper = gtk_adjustment_get_upper (adj);

  if (is_scrolled_to_end (self))
    self->follow = TRUE;
  else if (value < self->last_value && upper >= self->last_upper)
    self->follow = FALSE;

  self->last_value = value;
  self->last_upper = upper;
}

void
forge_log_view_clear (ForgeLogView *self)
{
  g_return_if_fail (FORGE_IS_LOG_VIEW (self));

  gtk_text_buffer_set_text (self->buffer, "", 0);
  self->n_lines = 0;
  self->n_matches = 0;
  self->current_index = 0;
  update_match_label (self);
}

char *
forge_log_view_dup_text (ForgeLogView *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (FORGE_IS_LOG_VIEW (self), NULL);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  return gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);
}

static void
update_match_label (ForgeLogView *self)
{
  g_autofree char *label = NULL;

  if (self->search_text == NULL)
    label = g_strdup ("");
  else if (self->n_matches == 0)
    label = g_strdup (_("No matches"));
  else
    /* Translators: the current search match, of how many. */
    label = g_strdup_printf (_("%u of %u"), self->current_index, self->n_matches);

  gtk_label_set_text (self->match_label, label);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.next-match", self->n_matches > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "log.previous-match", self->n_matches > 0);
}

/* Marks the match at match_start as the current one and shows it. */
static void
select_match (ForgeLogView *self,
              GtkTextIter  *match_start,
              GtkTextIter  *match_end)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->current_match_tag, &start, &end);
  gtk_text_buffer_apply_tag (self->buffer, self->current_match_tag, match_start, match_end);
  gtk_text_buffer_move_mark (self->buffer, self->current_match, match_start);
  gtk_text_view_scroll_to_mark (self->text_view, self->current_match, 0.1, FALSE, 0, 0);
}

guint
forge_log_view_search (ForgeLogView *self,
                       const char   *text)
{
  GtkTextIter start, end, match_start, match_end, first_start, first_end;

  g_return_val_if_fail (FORGE_IS_LOG_VIEW (self), 0);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->match_tag, &start, &end);
  gtk_text_buffer_remove_tag (self->buffer, self->current_match_tag, &start, &end);
  self->n_matches = 0;
  self->current_index = 0;
  g_clear_pointer (&self->search_text, g_free);

  if (text != NULL && *text != '\0')
    {
      self->search_text = g_strdup (text);
      while (gtk_text_iter_forward_search (&start, text, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                           &match_start, &match_end, NULL))
        {
          gtk_text_buffer_apply_tag (self->buffer, self->match_tag, &match_start, &match_end);
          if (self->n_matches == 0)
            {
              first_start = match_start;
              first_end = match_end;
            }
          self->n_matches++;
          start = match_end;
        }

      if (self->n_matches > 0)
        {
          self->current_index = 1;
          select_match (self, &first_start, &first_end);
        }
    }

  update_match_label (self);
  return self->n_matches;
}

/* Moves to the next (forward) or previous match, round the ends. */
static void
step_match (ForgeLogView *self,
            gboolean      forward)
{
  GtkTextIter from, match_start, match_end;
  gboolean found;

  if (self->n_matches == 0 || self->search_text == NULL)
    return;

  gtk_text_buffer_get_iter_at_mark (self->buffer, &from, self->current_match);
  if (forward)
    {
      gtk_text_iter_forward_char (&from);
      found = gtk_text_iter_forward_search (&from, self->search_text, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                            &match_start, &match_end, NULL);
      if (!found)
        {
          gtk_text_buffer_get_start_iter (self->buffer, &from);
          found = gtk_text_iter_forward_search (&from, self->search_text, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                                &match_start, &match_end, NULL);
        }
      self->current_index = self->current_index % self->n_matches + 1;
    }
  else
    {
      found = gtk_text_iter_backward_search (&from, self->search_text, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                             &match_start, &match_end, NULL);
      if (!found)
        {
          gtk_text_buffer_get_end_iter (self->buffer, &from);
          found = gtk_text_iter_backward_search (&from, self->search_text, GTK_TEXT_SEARCH_CASE_INSENSITIVE,
                                                 &match_start, &match_end, NULL);
        }
      self->current_index = self->current_index > 1 ? self->current_index - 1 : self->n_matches;
    }

  if (found)
    select_match (self, &match_start, &match_end);
  update_match_label (self);
}

void
forge_log_view_next_match (ForgeLogView *self)
{
  g_return_if_fail (FORGE_IS_LOG_VIEW (self));
  step_match (self, TRUE);
}

void
forge_log_view_previous_match (ForgeLogView *self)
{
  g_return_if_fail (FORGE_IS_LOG_VIEW (self));
  step_match (self, FALSE);
}

guint
forge_log_view_get_current_match (ForgeLogView *self)
{
  g_return_val_if_fail (FORGE_IS_LOG_VIEW (self), 0);
  return self->current_index;
}

void
forge_log_view_scroll_to_end (ForgeLogView *self)
{
  g_return_if_fail (FORGE_IS_LOG_VIEW (self));

  self->follow = TRUE;
  go_to_end (self);
}

gboolean
forge_log_view_get_scrolled_to_end (ForgeLogView *self)
{
  g_return_val_if_fail (FORGE_IS_LOG_VIEW (self), FALSE);
  return is_scrolled_to_end (self);
}

static void
search_changed_cb (ForgeLogView   *self,
                   GtkSearchEntry *entry)
{
  forge_log_view_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
next_match_cb (ForgeLogView *self)
{
  forge_log_view_next_match (self);
}

static void
previous_match_cb (ForgeLogView *self)
{
  forge_log_view_previous_match (self);
}

static void
next_match_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  forge_log_view_next_match (FORGE_LOG_VIEW (widget));
}

static void
previous_match_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  forge_log_view_previous_match (FORGE_LOG_VIEW (widget));
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

/* The stream names ("install", "server") are dimmer than the lines, yet
 * readable (4.5:1) on the view's background, light or dark. */
static void
update_stream_colour (ForgeLogView *self)
{
  GdkRGBA colour;

  gdk_rgba_parse (&colour, adw_style_manager_get_dark (adw_style_manager_get_default ()) ? "#9a9996" : "#5e5c64");
  g_object_set (self->stream_tag, "foreground-rgba", &colour, NULL);
}

static void
forge_log_view_finalize (GObject *object)
{
  ForgeLogView *self = FORGE_LOG_VIEW (object);

  g_clear_pointer (&self->search_text, g_free);

  G_OBJECT_CLASS (forge_log_view_parent_class)->finalize (object);
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
  object_class->finalize = forge_log_view_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-log-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, scroller);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, text_view);
  gtk_widget_class_bind_template_child (widget_class, ForgeLogView, match_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, next_match_cb);
  gtk_widget_class_bind_template_callback (widget_class, previous_match_cb);

  gtk_widget_class_install_action (widget_class, "log.copy", NULL, copy_action);
  gtk_widget_class_install_action (widget_class, "log.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "log.next-match", NULL, next_match_action);
  gtk_widget_class_install_action (widget_class, "log.previous-match", NULL, previous_match_action);
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
  /* The one match the arrows are at, as browsers show it. */
  self->current_match_tag = gtk_text_buffer_create_tag (self->buffer, "current-match",
                                                        "background", "#ff7800",
                                                        "foreground", "#000000",
                                                        NULL);
  self->stream_tag = gtk_text_buffer_create_tag (self->buffer, "stream", NULL);
  update_stream_colour (self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_stream_colour), self, G_CONNECT_SWAPPED);
  {
    GtkTextIter start;

    gtk_text_buffer_get_start_iter (self->buffer, &start);
    self->current_match = gtk_text_buffer_create_mark (self->buffer, "current-match", &start, TRUE);
    self->end_mark = gtk_text_buffer_create_mark (self->buffer, "end", &start, FALSE);
  }
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  _forge_search_bar_label_close_button (self->search_bar);
  update_match_label (self);

  self->follow = TRUE;
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "changed",
                           G_CALLBACK (adjustment_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->scroller), "value-changed",
                           G_CALLBACK (adjustment_value_changed_cb), self, G_CONNECT_SWAPPED);
}

GtkWidget *
forge_log_view_new (void)
{
  return g_object_new (FORGE_TYPE_LOG_VIEW, NULL);
}
