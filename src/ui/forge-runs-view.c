/* forge-runs-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-run-info.h"
#include "forge-runs-view.h"

struct _ForgeRunsView
{
  GtkWidget   parent_instance;

  GtkStack   *stack;
  GtkListBox *list_box;
  GListModel *runs;       /* ForgeRunInfo, kept up to date by the engine */
  GHashTable *expanded;   /* ids of the runs whose rows are open */
};

enum {
  RETRY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeRunsView, forge_runs_view, GTK_TYPE_WIDGET)

static const char *
status_label (ForgeRunStatus status)
{
  switch (status)
    {
    case FORGE_RUN_STATUS_QUEUED:
      return _("Queued");
    case FORGE_RUN_STATUS_RUNNING:
      return _("Running");
    case FORGE_RUN_STATUS_COMPLETED:
      return _("Completed");
    case FORGE_RUN_STATUS_FAILED:
      return _("Failed");
    case FORGE_RUN_STATUS_CANCELLED:
      return _("Cancelled");
    }

  g_return_val_if_reached (_("Failed"));
}

static const char *
status_icon (ForgeRunStatus status)
{
  switch (status)
    {
    case FORGE_RUN_STATUS_COMPLETED:
      return "object-select-symbolic";
    case FORGE_RUN_STATUS_FAILED:
      return "dialog-error-symbolic";
    case FORGE_RUN_STATUS_CANCELLED:
      return "process-stop-symbolic";
    case FORGE_RUN_STATUS_QUEUED:
    case FORGE_RUN_STATUS_RUNNING:
      return "content-loading-symbolic";
    }

  g_return_val_if_reached ("content-loading-symbolic");
}

static char *
format_duration (gint64 ms)
{
  if (ms >= 1000)
    return g_strdup_printf (_("%.1f s"), ms / 1000.0);
  return g_strdup_printf (_("%" G_GINT64_FORMAT " ms"), ms);
}

static GtkWidget *
step_row (ForgeStepInfo *step)
{
  GtkWidget *row = adw_action_row_new ();
  const char *message = forge_step_info_get_error_message (step);
  const char *log_tail = forge_step_info_get_error_log_tail (step);
  g_autofree char *subtitle = NULL;
  g_autofree char *duration = format_duration (forge_step_info_get_duration_ms (step));
  GtkWidget *label = gtk_label_new (duration);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), forge_clone_and_preview_step_title (forge_step_info_get_step_id (step)));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);

  if (forge_step_info_get_state (step) == FORGE_STEP_STATE_ERROR)
    {
      /* The output behind the error goes under it, as the message once
       * carried it. */
      g_autofree char *error = log_tail ? g_strconcat (message, "\n", log_tail, NULL) : g_strdup (message);

      subtitle = g_strdup_printf (_("Attempt %u: %s"), forge_step_info_get_attempt (step), error);
    }
  else
    subtitle = g_strdup_printf (_("%s · attempt %u"), "completed", forge_step_info_get_attempt (step));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);

  return row;
}

static void
retry_clicked_cb (GtkButton     *button,
                  ForgeRunsView *self)
{
  g_signal_emit (self, signals[RETRY], 0, g_object_get_data (G_OBJECT (button), "run-id"));
}

static void
expanded_changed_cb (AdwExpanderRow *row,
                     GParamSpec     *pspec,
                     ForgeRunsView  *self)
{
  const char *run_id = g_object_get_data (G_OBJECT (row), "run-id");

  if (adw_expander_row_get_expanded (row))
    g_hash_table_add (self->expanded, g_strdup (run_id));
  else
    g_hash_table_remove (self->expanded, run_id);
}

static GtkWidget *
create_run_row (gpointer item,
                gpointer user_data)
{
  ForgeRunsView *self = user_data;
  ForgeRunInfo *run = item;
  GtkWidget *row = adw_expander_row_new ();
  ForgeRunStatus status = forge_run_info_get_status (run);
  const char *run_id = forge_run_info_get_run_id (run);
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (forge_run_info_get_created_at (run) / 1000);
  g_autofree char *when_text = when ? g_date_time_format (when, "%x %X") : g_strdup ("");
  g_autofree char *title = g_strdup_printf ("%s — %s", status_label (status), when_text);
  g_autofree char *subtitle = NULL;
  GListModel *steps = forge_run_info_get_steps (run);
  guint n_attempts = forge_run_info_get_attempts (run);
  guint n_steps = g_list_model_get_n_items (steps);

  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %u attempt", "%s · %u attempts", n_attempts),
                              forge_run_info_get_function_id (run), n_attempts);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), gtk_image_new_from_icon_name (status_icon (status)));

  if (status == FORGE_RUN_STATUS_FAILED || status == FORGE_RUN_STATUS_CANCELLED)
    {
      GtkWidget *retry = gtk_button_new_with_mnemonic (_("_Retry"));

      gtk_widget_set_valign (retry, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (retry, _("Run again, reusing the steps that already finished"));
      g_object_set_data_full (G_OBJECT (retry), "run-id", g_strdup (run_id), g_free);
      g_signal_connect_object (retry, "clicked", G_CALLBACK (retry_clicked_cb), self, 0);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), retry);
    }

  for (guint i = 0; i < n_steps; i++)
    {
      g_autoptr(ForgeStepInfo) step = g_list_model_get_item (steps, i);

      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), step_row (step));
    }

  /* A run's row is made anew each time the run moves on: an open one
   * stays open. */
  g_object_set_data_full (G_OBJECT (row), "run-id", g_strdup (run_id), g_free);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), g_hash_table_contains (self->expanded, run_id));
  g_signal_connect_object (row, "notify::expanded", G_CALLBACK (expanded_changed_cb), self, 0);

  return row;
}

static void
update_page (ForgeRunsView *self)
{
  gtk_stack_set_visible_child_name (self->stack, forge_runs_view_get_n_runs (self) > 0 ? "runs" : "empty");
}

static void
runs_changed_cb (GListModel    *runs,
                 guint          position,
                 guint          removed,
                 guint          added,
                 ForgeRunsView *self)
{
  update_page (self);
}

void
forge_runs_view_set_runs (ForgeRunsView *self,
                          GListModel    *runs)
{
  g_return_if_fail (FORGE_IS_RUNS_VIEW (self));
  g_return_if_fail (runs == NULL || G_IS_LIST_MODEL (runs));

  if (self->runs == runs)
    return;

  if (self->runs != NULL)
    g_signal_handlers_disconnect_by_func (self->runs, runs_changed_cb, self);
  g_set_object (&self->runs, runs);
  if (runs != NULL)
    g_signal_connect_object (runs, "items-changed", G_CALLBACK (runs_changed_cb), self, G_CONNECT_AFTER);

  gtk_list_box_bind_model (self->list_box, runs, create_run_row, self, NULL);
  update_page (self);
}

guint
forge_runs_view_get_n_runs (ForgeRunsView *self)
{
  g_return_val_if_fail (FORGE_IS_RUNS_VIEW (self), 0);
  return self->runs != NULL ? g_list_model_get_n_items (self->runs) : 0;
}

static void
forge_runs_view_dispose (GObject *object)
{
  ForgeRunsView *self = FORGE_RUNS_VIEW (object);
  GtkWidget *child;

  forge_runs_view_set_runs (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), FORGE_TYPE_RUNS_VIEW);
  /* The template's root has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (forge_runs_view_parent_class)->dispose (object);
}

static void
forge_runs_view_finalize (GObject *object)
{
  ForgeRunsView *self = FORGE_RUNS_VIEW (object);

  g_clear_pointer (&self->expanded, g_hash_table_unref);

  G_OBJECT_CLASS (forge_runs_view_parent_class)->finalize (object);
}

static void
forge_runs_view_class_init (ForgeRunsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_runs_view_dispose;
  object_class->finalize = forge_runs_view_finalize;

  signals[RETRY] =
    g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-runs-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeRunsView, stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeRunsView, list_box);
}

static void
forge_runs_view_init (ForgeRunsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

GtkWidget *
forge_runs_view_new (void)
{
  return g_object_new (FORGE_TYPE_RUNS_VIEW, NULL);
}
