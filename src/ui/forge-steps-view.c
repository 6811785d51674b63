/* forge-steps-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-steps-view.h"
#include "forge-util.h"

typedef struct
{
  char           *id;
  gboolean        reached;
  gboolean        skipped;
  ForgeStepState  state;
  GtkWidget      *row;
  GtkStack       *status_stack;   /* "pending", "running", "done", "error", "skipped" */
  GtkLabel       *detail;
  GtkProgressBar *progress;
} StepRow;

struct _ForgeStepsView
{
  GtkWidget   parent_instance;

  GtkListBox *list_box;
  GPtrArray  *rows;
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

static StepRow *
add_row (ForgeStepsView *self,
         const char     *step_id)
{
  StepRow *row = g_new0 (StepRow, 1);
  GtkWidget *box, *text_box, *title, *spinner, *stack;

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
  title = gtk_label_new (forge_clone_and_preview_step_title (step_id));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_box_append (GTK_BOX (text_box), title);

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

  row->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_visible (GTK_WIDGET (row->progress), FALSE);
  gtk_box_append (GTK_BOX (text_box), GTK_WIDGET (row->progress));
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

static void
forge_steps_view_dispose (GObject *object)
{
  ForgeStepsView *self = FORGE_STEPS_VIEW (object);

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
  gtk_widget_set_visible (GTK_WIDGET (row->progress), FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (row->detail), "error");

  switch (state)
    {
    case FORGE_STEP_STATE_START:
      gtk_stack_set_visible_child_name (row->status_stack, "running");
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
}

void
forge_steps_view_set_progress (ForgeStepsView *self,
                               const char     *step_id,
                               double          fraction,
                               const char     *text)
{
  StepRow *row;

  g_return_if_fail (FORGE_IS_STEPS_VIEW (self));

  if (step_id == NULL || (row = find_row (self, step_id)) == NULL)
    return;

  if (fraction >= 0)
    gtk_progress_bar_set_fraction (row->progress, CLAMP (fraction, 0.0, 1.0));
  else
    gtk_progress_bar_pulse (row->progress);
  gtk_widget_set_visible (GTK_WIDGET (row->progress), TRUE);

  gtk_label_set_text (row->detail, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (row->detail), text != NULL);
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
      gtk_widget_set_visible (GTK_WIDGET (row->progress), FALSE);
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
