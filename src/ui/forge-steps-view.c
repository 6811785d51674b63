/* forge-steps-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-steps-view-private.h"
#include "forge-util.h"

/* A running step shows its progress once it reports some or has run
 * this long: quick steps never change the list's height. */
#define REVEAL_AFTER_US   G_USEC_PER_SEC
/* How often a bar without a fraction moves. */
#define PULSE_INTERVAL_MS 150

typedef struct
{
  char           *id;
  gboolean        reached;
  gboolean        skipped;
  ForgeStepState  state;
  gint64          started_at;     /* monotonic µs, while it runs */
  gboolean        has_fraction;   /* the tool stated how far it got */
  guint           n_pulses;
  GtkWidget      *row;
  GtkStack       *status_stack;   /* "pending", "running", "done", "error", "skipped" */
  GtkLabel       *elapsed;        /* "0:42", while it runs */
  GtkLabel       *detail;         /* its duration, error, attempt or "Skipped" */
  GtkWidget      *progress_box;   /* the latest line and the bar, while it runs */
  GtkLabel       *line;
  GtkProgressBar *progress;
} StepRow;

struct _ForgeStepsView
{
  GtkWidget   parent_instance;

  GtkListBox *list_box;
  GPtrArray  *rows;
  guint       tick_source;       /* the elapsed times, each second */
  guint       pulse_source;      /* the bars without a fraction */
};

G_DEFINE_FINAL_TYPE (ForgeStepsView, forge_steps_view, GTK_TYPE_WIDGET)

static void
step_row_free (StepRow *row)
{
  g_free (row->id);
  g_free (row);
}

static StepRow *
find_row (ForgeStepsView *self,
          const char     *step_id)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      StepRow *row = g_ptr_array_index (self->rows, i);

      if (g_str_equal (row->id, step_id))
        return row;
    }

  return NULL;
}

static gboolean
row_is_running (StepRow *row)
{
  return row->reached && row->state == FORGE_STEP_STATE_START;
}

/* "0:42", "12:05", "1:02:03": a clock, its digits of one width. */
static char *
format_clock (gint64 microseconds)
{
  gint64 seconds = MAX (microseconds, 0) / G_USEC_PER_SEC;

  if (seconds >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static void
update_elapsed (StepRow *row,
                gint64   now)
{
  g_autofree char *clock = format_clock (now - row->started_at);

  gtk_label_set_text (row->elapsed, clock);
  if (now - row->started_at >= REVEAL_AFTER_US)
    gtk_widget_set_visible (row->progress_box, TRUE);
}

static void update_timers (ForgeStepsView *self);

static gboolean
tick_cb (gpointer user_data)
{
  ForgeStepsView *self = user_data;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->rows->len; i++)
    {
      StepRow *row = g_ptr_array_index (self->rows, i);

      if (row_is_running (row))
        update_elapsed (row, now);
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
pulse_cb (gpointer user_data)
{
  ForgeStepsView *self = user_data;

  for (guint i = 0; i < self->rows->len; i++)
    {
      StepRow *row = g_ptr_array_index (self->rows, i);

      if (row_is_running (row) && !row->has_fraction && gtk_widget_get_visible (row->progress_box))
        {
          gtk_progress_bar_pulse (row->progress);
          row->n_pulses++;
        }
    }

  return G_SOURCE_CONTINUE;
}

/* Timers run only while the list is on screen and a step runs; the
 * bars pulse only while one of them has no fraction. */
static void
update_timers (ForgeStepsView *self)
{
  gboolean mapped = gtk_widget_get_mapped (GTK_WIDGET (self));
  gboolean running = FALSE;
  gboolean pulsing = FALSE;

  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    {
      StepRow *row = g_ptr_array_index (self->rows, i);

      if (row_is_running (row))
        {
          running = TRUE;
          pulsing |= !row->has_fraction;
        }
    }

  if (mapped && running)
    {
      if (self->tick_source == 0)
        {
          tick_cb (self);
          self->tick_source = g_timeout_add_seconds (1, tick_cb, self);
        }
    }
  else
    g_clear_handle_id (&self->tick_source, g_source_remove);

  if (mapped && pulsing)
    {
      if (self->pulse_source == 0)
        self->pulse_source = g_timeout_add (PULSE_INTERVAL_MS, pulse_cb, self);
    }
  else
    g_clear_handle_id (&self->pulse_source, g_source_remove);
}

static StepRow *
add_row (ForgeStepsView *self,
         const char     *step_id)
{
  StepRow *row = g_new0 (StepRow, 1);
  GtkWidget *box, *text_box, *title_box, *title, *spinner, *stack;
  const char *step_title = forge_clone_and_preview_step_title (step_id);
  g_autofree char *bar_label = NULL;

  row->id = g_strdup (step_id);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  stack = gtk_stack_new ();
  gtk_widget_set_valign (stack, GTK_ALIGN_START);
  gtk_stack_add_named (GTK_STACK (stack), gtk_image_new_from_icon_name ("content-loading-symbolic"), "pending");
  spinner = gtk_spinner_new ();
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_stack_add_named (GTK_STACK (stack), spinner, "running");
  gtk_stack_add_named (GTK_STACK (stack), gtk_image_new_from_icon_name ("object-select-symbolic"), "done");
  gtk_stack_add_named (GTK_STACK (stack), gtk_image_new_from_icon_name ("dialog-error-symbolic"), "error");
  gtk_stack_add_named (GTK_STACK (stack), gtk_image_new_from_icon_name ("action-unavailable-symbolic"), "skipped");
  gtk_stack_set_visible_child_name (GTK_STACK (stack), "pending");
  gtk_widget_add_css_class (gtk_stack_get_child_by_name (GTK_STACK (stack), "pending"), "dim-label");
  gtk_widget_add_css_class (gtk_stack_get_child_by_name (GTK_STACK (stack), "skipped"), "dim-label");
  gtk_widget_add_css_class (gtk_stack_get_child_by_name (GTK_STACK (stack), "done"), "success");
  gtk_widget_add_css_class (gtk_stack_get_child_by_name (GTK_STACK (stack), "error"), "error");
  gtk_box_append (GTK_BOX (box), stack);

  text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_hexpand (text_box, TRUE);
  title_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  title = gtk_label_new (step_title);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_box_append (GTK_BOX (title_box), title);

  /* On the title's line: ticking, it moves nothing else. */
  row->elapsed = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (row->elapsed), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (row->elapsed), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (row->elapsed), "duration");
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->elapsed), _("Time so far"));
  gtk_widget_set_visible (GTK_WIDGET (row->elapsed), FALSE);
  gtk_box_append (GTK_BOX (title_box), GTK_WIDGET (row->elapsed));
  gtk_box_append (GTK_BOX (text_box), title_box);

  /* Not selectable: that would make every row a stop for Tab. The
   * failed page shows the error and its output, selectable. */
  row->detail = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row->detail, 0);
  gtk_label_set_wrap (row->detail, TRUE);
  gtk_label_set_wrap_mode (row->detail, PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (GTK_WIDGET (row->detail), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (row->detail), "dim-label");
  gtk_widget_set_visible (GTK_WIDGET (row->detail), FALSE);
  gtk_box_append (GTK_BOX (text_box), GTK_WIDGET (row->detail));

  /* The latest line holds one line even while empty, so that lines
   * coming and going do not move the rows below. */
  row->progress_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  row->line = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row->line, 0);
  gtk_label_set_single_line_mode (row->line, TRUE);
  gtk_label_set_ellipsize (row->line, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (row->line), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (row->line), "dim-label");
  gtk_box_append (GTK_BOX (row->progress_box), GTK_WIDGET (row->line));

  row->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_pulse_step (row->progress, 0.1);
  /* Translators: the accessible name of a step's progress bar, e.g.
   * "Install dependencies: progress". */
  bar_label = g_strdup_printf (_("%s: progress"), step_title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->progress),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, bar_label,
                                  -1);
  gtk_box_append (GTK_BOX (row->progress_box), GTK_WIDGET (row->progress));
  gtk_widget_set_visible (row->progress_box, FALSE);
  gtk_box_append (GTK_BOX (text_box), row->progress_box);
  gtk_box_append (GTK_BOX (box), text_box);

  row->status_stack = GTK_STACK (stack);
  row->row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row->row), box);
  /* A row only shows progress: nothing to do with it, nothing to focus. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row->row), FALSE);
  gtk_widget_set_focusable (row->row, FALSE);
  gtk_widget_add_css_class (row->row, "forge-step-row");
  gtk_list_box_append (self->list_box, row->row);

  g_ptr_array_add (self->rows, row);
  return row;
}

/* Back to how a step that does not run looks. */
static void
hide_progress (StepRow *row)
{
  gtk_widget_set_visible (GTK_WIDGET (row->elapsed), FALSE);
  gtk_widget_set_visible (row->progress_box, FALSE);
  gtk_label_set_text (row->line, "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->line), NULL);
  gtk_progress_bar_set_fraction (row->progress, 0);
  row->has_fraction = FALSE;
}

static void
forge_steps_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (forge_steps_view_parent_class)->map (widget);
  update_timers (FORGE_STEPS_VIEW (widget));
}

static void
forge_steps_view_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (forge_steps_view_parent_class)->unmap (widget);
  update_timers (FORGE_STEPS_VIEW (widget));
}

static void
forge_steps_view_dispose (GObject *object)
{
  ForgeStepsView *self = FORGE_STEPS_VIEW (object);

  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->pulse_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_STEPS_VIEW);
  /* The template's root has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL; )
    gtk_widget_unparent (child);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (forge_steps_view_parent_class)->dispose (object);
}

static void
forge_steps_view_class_init (ForgeStepsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_steps_view_dispose;
  widget_class->map = forge_steps_view_map;
  widget_class->unmap = forge_steps_view_unmap;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-steps-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeStepsView, list_box);
}

static void
forge_steps_view_init (ForgeStepsView *self)
{
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) step_row_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
forge_steps_view_new (void)
{
  return g_object_new (FORGE_TYPE_STEPS_VIEW, NULL);
}

void
forge_steps_view_reset (ForgeStepsView     *self,
                        const char * const *step_ids)
{
  g_return_if_fail (FORGE_IS_STEPS_VIEW (self));

  for (guint i = 0; i < self->rows->len; i++)
    gtk_list_box_remove (self->list_box, ((StepRow *) g_ptr_array_index (self->rows, i))->row);
  g_ptr_array_set_size (self->rows, 0);

  for (guint i = 0; step_ids != NULL && step_ids[i] != NULL; i++)
    add_row (self, step_ids[i]);
  update_timers (self);
}

void
forge_steps_view_update (ForgeStepsView *self,
                         const char     *step_id,
                         ForgeStepState  state,
                         guint           attempt,
                         gint64          duration_ms,
                         const char     *error_message)
{
  StepRow *row;
  g_autofree char *detail = NULL;

  g_return_if_fail (FORGE_IS_STEPS_VIEW (self));
  g_return_if_fail (step_id != NULL);

  row = find_row (self, step_id);
  if (row == NULL)
    row = add_row (self, step_id);

  row->reached = TRUE;
  row->skipped = FALSE;
  row->state = state;
  hide_progress (row);
  gtk_widget_remove_css_class (GTK_WIDGET (row->detail), "error");

  switch (state)
    {
    case FORGE_STEP_STATE_START:
      gtk_stack_set_visible_child_name (row->status_stack, "running");
      row->started_at = g_get_monotonic_time ();
      row->n_pulses = 0;
      update_elapsed (row, row->started_at);
      gtk_widget_set_visible (GTK_WIDGET (row->elapsed), TRUE);
      if (attempt > 1)
        detail = g_strdup_printf (_("Attempt %u"), attempt);
      break;

    case FORGE_STEP_STATE_COMPLETE:
      gtk_stack_set_visible_child_name (row->status_stack, "done");
      detail = forge_format_duration (duration_ms);
      break;

    case FORGE_STEP_STATE_MEMOIZED:
      gtk_stack_set_visible_child_name (row->status_stack, "done");
      detail = g_strdup (_("Done earlier, reused"));
      break;

    case FORGE_STEP_STATE_ERROR:
      gtk_stack_set_visible_child_name (row->status_stack, "error");
      detail = g_strdup (error_message ? error_message : _("Failed"));
      gtk_widget_add_css_class (GTK_WIDGET (row->detail), "error");
      break;
    }

  gtk_label_set_text (row->detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (row->detail), detail != NULL);
  update_timers (self);
}

void
forge_steps_view_set_progress (ForgeStepsView *self,
                               const char     *step_id,
                               double          fraction,
                               const char     *text)
{
  StepRow *row;

  g_return_if_fail (FORGE_IS_STEPS_VIEW (self));

  /* Late news of a step that ended: its row shows the result now. */
  if (step_id == NULL || (row = find_row (self, step_id)) == NULL || !row_is_running (row))
    return;

  row->has_fraction = fraction >= 0;
  if (row->has_fraction)
    gtk_progress_bar_set_fraction (row->progress, CLAMP (fraction, 0.0, 1.0));

  /* Labels take no focus: updating them moves nobody's. */
  if (text != NULL)
    {
      gtk_label_set_text (row->line, text);
      gtk_widget_set_tooltip_text (GTK_WIDGET (row->line), text);
    }
  gtk_widget_set_visible (row->progress_box, TRUE);
  update_timers (self);
}

gboolean
forge_steps_view_get_state (ForgeStepsView *self,
                            const char     *step_id,
                            ForgeStepState *state)
{
  StepRow *row;

  g_return_val_if_fail (FORGE_IS_STEPS_VIEW (self), FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  row = find_row (self, step_id);
  if (row == NULL || !row->reached)
    return FALSE;

  *state = row->state;
  return TRUE;
}

void
forge_steps_view_skip_unreached (ForgeStepsView *self)
{
  g_return_if_fail (FORGE_IS_STEPS_VIEW (self));

  for (guint i = 0; i < self->rows->len; i++)
    {
      StepRow *row = g_ptr_array_index (self->rows, i);

      if (row->reached)
        continue;

      row->skipped = TRUE;
      gtk_stack_set_visible_child_name (row->status_stack, "skipped");
      hide_progress (row);
      gtk_label_set_text (row->detail, _("Skipped"));
      gtk_widget_set_visible (GTK_WIDGET (row->detail), TRUE);
    }
}

gboolean
forge_steps_view_get_skipped (ForgeStepsView *self,
                              const char     *step_id)
{
  StepRow *row;

  g_return_val_if_fail (FORGE_IS_STEPS_VIEW (self), FALSE);
  g_return_val_if_fail (step_id != NULL, FALSE);

  row = find_row (self, step_id);
  return row != NULL && row->skipped;
}

const char *
forge_steps_view_get_detail (ForgeStepsView *self,
                             const char     *step_id)
{
  StepRow *row;

  g_return_val_if_fail (FORGE_IS_STEPS_VIEW (self), NULL);
  g_return_val_if_fail (step_id != NULL, NULL);

  row = find_row (self, step_id);
  if (row == NULL || !gtk_widget_get_visible (GTK_WIDGET (row->detail)))
    return NULL;

  return gtk_label_get_text (row->detail);
}

gboolean
forge_steps_view_get_any_reached (ForgeStepsView *self)
{
  g_return_val_if_fail (FORGE_IS_STEPS_VIEW (self), FALSE);

  for (guint i = 0; i < self->rows->len; i++)
    if (((StepRow *) g_ptr_array_index (self->rows, i))->reached)
      return TRUE;

  return FALSE;
}

static StepRow *
find_reached_row (ForgeStepsView *self,
                  const char     *step_id)
{
  StepRow *row;

  g_return_val_if_fail (FORGE_IS_STEPS_VIEW (self), NULL);
  g_return_val_if_fail (step_id != NULL, NULL);

  row = find_row (self, step_id);
  return row != NULL && row->reached ? row : NULL;
}

const char *
forge_steps_view_get_progress_line (ForgeStepsView *self,
                                    const char     *step_id)
{
  StepRow *row = find_reached_row (self, step_id);

  if (row == NULL || !gtk_widget_get_visible (row->progress_box))
    return NULL;
  return gtk_label_get_text (row->line);
}

const char *
forge_steps_view_get_elapsed (ForgeStepsView *self,
                              const char     *step_id)
{
  StepRow *row = find_reached_row (self, step_id);

  if (row == NULL || !gtk_widget_get_visible (GTK_WIDGET (row->elapsed)))
    return NULL;
  return gtk_label_get_text (row->elapsed);
}

GtkProgressBar *
forge_steps_view_get_progress_bar (ForgeStepsView *self,
                                   const char     *step_id)
{
  StepRow *row = find_reached_row (self, step_id);

  return row != NULL ? row->progress : NULL;
}

guint
forge_steps_view_get_n_pulses (ForgeStepsView *self,
                               const char     *step_id)
{
  StepRow *row = find_reached_row (self, step_id);

  return row != NULL ? row->n_pulses : 0;
}
