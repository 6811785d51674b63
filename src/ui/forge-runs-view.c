/* forge-runs-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "forge-clone-and-preview.h"
#include "forge-run-status.h"
#include "forge-runs-view.h"

struct _ForgeRunsView
{
  GtkWidget   parent_instance;

  GtkStack   *stack;
  GtkListBox *list_box;
  guint       n_runs;
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
step_row (const char *step_id,
          JsonObject *step)
{
  GtkWidget *row = adw_action_row_new ();
  const char *status = json_object_get_string_member_with_default (step, "status", "");
  g_autofree char *subtitle = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), forge_clone_and_preview_step_title (step_id));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);

  if (json_object_has_member (step, "error") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (step, "error")))
    subtitle = g_strdup_printf (_("Attempt %" G_GINT64_FORMAT ": %s"),
                                json_object_get_int_member_with_default (step, "attempt", 1),
                                json_object_get_string_member_with_default (json_object_get_object_member (step, "error"), "message", ""));
  else
    subtitle = g_strdup_printf (_("%s · attempt %" G_GINT64_FORMAT),
                                status,
                                json_object_get_int_member_with_default (step, "attempt", 1));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  if (json_object_has_member (step, "duration_ms"))
    {
      g_autofree char *duration = format_duration (json_object_get_int_member (step, "duration_ms"));
      GtkWidget *label = gtk_label_new (duration);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }

  return row;
}

static void
retry_clicked_cb (GtkButton     *button,
                  ForgeRunsView *self)
{
  g_signal_emit (self, signals[RETRY], 0, g_object_get_data (G_OBJECT (button), "run-id"));
}

static GtkWidget *
run_row (ForgeRunsView *self,
         JsonObject    *run)
{
  GtkWidget *row = adw_expander_row_new ();
  ForgeRunStatus status;
  const char *run_id = json_object_get_string_member_with_default (run, "run_id", "");
  gint64 created = json_object_get_int_member_with_default (run, "created_at", 0);
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (created / 1000);
  g_autofree char *when_text = when ? g_date_time_format (when, "%x %X") : g_strdup ("");
  g_autofree char *title = g_strdup_printf ("%s — %s", status_label (status), when_text);
  g_autofree char *subtitle = NULL;
  JsonObject *steps = json_object_has_member (run, "steps") ? json_object_get_object_member (run, "steps") : NULL;
  guint n_attempts = json_object_get_int_member_with_default (run, "attempts", 0);

  /* The journal only holds known statuses; the fallback is for a damaged
   * copy, and shows it as failed and retriable. */
  forge_run_status_from_string (json_object_get_string_member_with_default (run, "status", NULL), &status);

  subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %u attempt", "%s · %u attempts", n_attempts),
                              json_object_get_string_member_with_default (run, "function_id", ""), n_attempts);
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

  if (steps != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (steps);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *step = json_object_get_member (steps, l->data);

          if (JSON_NODE_HOLDS_OBJECT (step))
            adw_expander_row_add_row (ADW_EXPANDER_ROW (row), step_row (l->data, json_node_get_object (step)));
        }
    }

  return row;
}

void
forge_runs_view_set_runs (ForgeRunsView *self,
                          GPtrArray     *runs)
{
  GtkWidget *child;

  g_return_if_fail (FORGE_IS_RUNS_VIEW (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  self->n_runs = runs ? runs->len : 0;
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    gtk_list_box_append (self->list_box, run_row (self, g_ptr_array_index (runs, i)));

  gtk_stack_set_visible_child_name (self->stack, self->n_runs > 0 ? "runs" : "empty");
}

guint
forge_runs_view_get_n_runs (ForgeRunsView *self)
{
  g_return_val_if_fail (FORGE_IS_RUNS_VIEW (self), 0);
  return self->n_runs;
}

static void
forge_runs_view_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), FORGE_TYPE_RUNS_VIEW);
  /* The template's root has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (forge_runs_view_parent_class)->dispose (object);
}

static void
forge_runs_view_class_init (ForgeRunsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_runs_view_dispose;

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
}

GtkWidget *
forge_runs_view_new (void)
{
  return g_object_new (FORGE_TYPE_RUNS_VIEW, NULL);
}
