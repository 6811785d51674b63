/* forge-runs-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "forge-accessible.h"
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
  guint       tick_id;    /* while shown: "2 minutes ago" moves on */
};

/* The "retry" signal keeps its name: the window connects to it; what
 * people read is "Try Again". */
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

static GDateTime *
start_of_day (GDateTime *time)
{
  return g_date_time_new_local (g_date_time_get_year (time),
                                g_date_time_get_month (time),
                                g_date_time_get_day_of_month (time),
                                0, 0, 0);
}

/* When a run started, as people say it: "2 minutes ago", "yesterday at
 * 14:02". It follows a status ("Failed — …"), hence the lower case. */
static char *
format_when (gint64     unix_ms,
             GDateTime *now)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (unix_ms / 1000);
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDateTime) then_day = NULL;
  GTimeSpan ago;
  gint64 days;

  if (then == NULL)
    return g_strdup ("");

  ago = g_date_time_difference (now, then);
  if (ago < G_TIME_SPAN_MINUTE)
    return g_strdup (_("just now"));
  if (ago < G_TIME_SPAN_HOUR)
    {
      guint minutes = (guint) (ago / G_TIME_SPAN_MINUTE);

      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute ago", "%u minutes ago", minutes), minutes);
    }

  /* Calendar days, not 24-hour spans: 23:50 yesterday is "yesterday". A
   * day is 23 or 25 hours long when the clocks change, hence the
   * rounding. */
  today = start_of_day (now);
  then_day = start_of_day (then);
  days = (g_date_time_difference (today, then_day) + G_TIME_SPAN_HOUR * 12) / G_TIME_SPAN_DAY;

  if (days == 0)
    {
      guint hours = (guint) (ago / G_TIME_SPAN_HOUR);

      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour ago", "%u hours ago", hours), hours);
    }
  /* Translators: g_date_time_format() formats; %H:%M is the time. */
  if (days == 1)
    return g_date_time_format (then, _("yesterday at %H:%M"));
  if (days < 7)
    return g_date_time_format (then, _("%A at %H:%M"));
  if (g_date_time_get_year (then) == g_date_time_get_year (now))
    return g_date_time_format (then, _("%B %-d at %H:%M"));
  return g_date_time_format (then, _("%B %-d, %Y"));
}

static const char *
function_label (const char *function_id)
{
  if (g_strcmp0 (function_id, FORGE_CLONE_AND_PREVIEW_FUNCTION) == 0)
    return _("Clone and preview");
  if (g_strcmp0 (function_id, FORGE_RESTART_PREVIEW_FUNCTION) == 0)
    return _("Restart after the sandbox stopped");
  return function_id;
}

static GtkWidget *
step_row (ForgeStepInfo *step)
{
  GtkWidget *row = adw_action_row_new ();
  const char *message = forge_step_info_get_error_message (step);
  const char *log_tail = forge_step_info_get_error_log_tail (step);
  guint attempt = forge_step_info_get_attempt (step);
  gint64 duration_ms = forge_step_info_get_duration_ms (step);
  g_autofree char *subtitle = NULL;

  /* The steps page's words for the same steps. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 forge_clone_and_preview_step_title (forge_step_info_get_step_id (step)));

  if (forge_step_info_get_state (step) == FORGE_STEP_STATE_ERROR)
    {
      /* The output behind the error goes under it, as the message once
       * carried it. */
      g_autofree char *error = log_tail ? g_strconcat (message, "\n", log_tail, NULL) : g_strdup (message);

      if (attempt > 1)
        subtitle = g_strdup_printf (_("Failed on attempt %u: %s"), attempt, error);
      else
        subtitle = g_strdup_printf (_("Failed: %s"), error);
    }
  else if (attempt > 1)
    subtitle = g_strdup_printf (_("Finished on attempt %u"), attempt);
  else
    subtitle = g_strdup (_("Finished"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  /* A step that took no time (reused from an earlier attempt) shows
   * none rather than "0 ms". */
  if (duration_ms > 0)
    {
      g_autofree char *duration = format_duration (duration_ms);
      GtkWidget *label = gtk_label_new (duration);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }

  /* Nothing to do with a step: it is read, not focused. */
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_focusable (row, FALSE);

  return row;
}

/* By when they started: a repeated step ("start-preview-server:1") goes
 * where it ran, not beside its first attempt. Steps without a start time
 * (old journals) keep their place at the end. */
static int
compare_started (gconstpointer a,
                 gconstpointer b)
{
  gint64 started_a = forge_step_info_get_started_at (*(ForgeStepInfo **) a);
  gint64 started_b = forge_step_info_get_started_at (*(ForgeStepInfo **) b);

  if (started_a == 0 || started_b == 0)
    return (started_a == 0) - (started_b == 0);
  return (started_a > started_b) - (started_a < started_b);
}

static GPtrArray *
steps_in_order (ForgeRunInfo *run)
{
  GListModel *steps = forge_run_info_get_steps (run);
  guint n_steps = g_list_model_get_n_items (steps);
  GPtrArray *sorted = g_ptr_array_new_full (n_steps, g_object_unref);

  for (guint i = 0; i < n_steps; i++)
    g_ptr_array_add (sorted, g_list_model_get_item (steps, i));
  /* A stable sort: steps that started in the same millisecond keep the
   * order the run reached them in. */
  g_ptr_array_sort (sorted, compare_started);

  return sorted;
}

static void
update_run_title (GtkWidget *row,
                  GDateTime *now)
{
  ForgeRunInfo *run = g_object_get_data (G_OBJECT (row), "run");
  g_autofree char *when = format_when (forge_run_info_get_created_at (run), now);
  g_autofree char *title = NULL;

  /* Translators: a run's status and when it started ("Failed — 2 minutes ago"). */
  title = g_strdup_printf (_("%s — %s"), status_label (forge_run_info_get_status (run)), when);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
}

static gboolean
tick_cb (gpointer user_data)
{
  ForgeRunsView *self = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_object_get_data (G_OBJECT (child), "run") != NULL)
      update_run_title (child, now);

  return G_SOURCE_CONTINUE;
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
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GPtrArray) steps = steps_in_order (run);
  g_autofree char *subtitle = NULL;
  guint n_attempts = forge_run_info_get_attempts (run);

  if (n_attempts > 1)
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %u attempt", "%s · %u attempts", n_attempts),
                                function_label (forge_run_info_get_function_id (run)), n_attempts);
  else
    subtitle = g_strdup (function_label (forge_run_info_get_function_id (run)));

  g_object_set_data_full (G_OBJECT (row), "run", g_object_ref (run), g_object_unref);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  update_run_title (row, now);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), gtk_image_new_from_icon_name (status_icon (status)));

  if (status == FORGE_RUN_STATUS_FAILED || status == FORGE_RUN_STATUS_CANCELLED)
    {
      GtkWidget *retry = gtk_button_new_with_mnemonic (_("_Try Again"));

      gtk_widget_set_valign (retry, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (retry, _("Run again, reusing the steps that already finished"));
      g_object_set_data_full (G_OBJECT (retry), "run-id", g_strdup (run_id), g_free);
      g_signal_connect_object (retry, "clicked", G_CALLBACK (retry_clicked_cb), self, 0);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), retry);
      forge_accessible_fix_mnemonic_names (retry);
    }

  for (guint i = 0; i < steps->len; i++)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), step_row (g_ptr_array_index (steps, i)));

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
forge_runs_view_map (GtkWidget *widget)
{
  ForgeRunsView *self = FORGE_RUNS_VIEW (widget);

  GTK_WIDGET_CLASS (forge_runs_view_parent_class)->map (widget);

  /* What was "just now" when the view was last shown is not any more. */
  tick_cb (self);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  self->tick_id = g_timeout_add_seconds (60, tick_cb, self);
  g_source_set_name_by_id (self->tick_id, "[forge] runs view dates");
}

static void
forge_runs_view_unmap (GtkWidget *widget)
{
  ForgeRunsView *self = FORGE_RUNS_VIEW (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);

  GTK_WIDGET_CLASS (forge_runs_view_parent_class)->unmap (widget);
}

static void
forge_runs_view_dispose (GObject *object)
{
  ForgeRunsView *self = FORGE_RUNS_VIEW (object);
  GtkWidget *child;

  g_clear_handle_id (&self->tick_id, g_source_remove);

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
  widget_class->map = forge_runs_view_map;
  widget_class->unmap = forge_runs_view_unmap;

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
