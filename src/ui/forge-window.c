/* forge-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-git.h"
#include "forge-open-dialog.h"
#include "forge-preview.h"
#include "forge-util.h"
#include "forge-window.h"

struct _ForgeWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GCancellable         *cancellable;
  ForgeProjectStore    *store;
  ForgeWorkflowEngine  *engine;
  ForgeSandboxManager  *manager;
  GHashTable           *run_projects;   /* run id → project id */
  GHashTable           *restart_runs;   /* run ids of the manager's restarts */
  char                 *visible_project;
  GHashTable           *project_views;  /* project id → ForgeProjectView (owned by the stack) */
  GBinding             *log_binding;
  GBinding             *runs_binding;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkToggleButton      *log_button;
  GtkToggleButton      *runs_button;
  GtkWidget            *sidebar;
  GtkListBox           *projects_list;
  GtkStack             *main_stack;
  ForgePreview         *uri_preview;
};

G_DEFINE_FINAL_TYPE (ForgeWindow, forge_window, ADW_TYPE_APPLICATION_WINDOW)

static void setup_with_application (ForgeWindow      *self,
                                    ForgeApplication *forge_app);

ForgeWindow *
forge_window_new (ForgeApplication *application)
{
  ForgeWindow *self;

  g_return_val_if_fail (FORGE_IS_APPLICATION (application), NULL);

  self = g_object_new (FORGE_TYPE_WINDOW,
                       "application", application,
                       NULL);
  /* "application" is not a construct property: it is set after
   * constructed(), so the wiring that needs it happens here. */
  setup_with_application (self, application);

  return self;
}

static void
toast (ForgeWindow *self,
       const char  *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
forge_window_show_message (ForgeWindow *self,
                           const char  *message)
{
  g_return_if_fail (FORGE_IS_WINDOW (self));
  toast (self, message);
}

ForgeProjectView *
forge_window_get_project_view (ForgeWindow *self,
                               const char  *project_id)
{
  g_return_val_if_fail (FORGE_IS_WINDOW (self), NULL);

  return project_id ? g_hash_table_lookup (self->project_views, project_id) : NULL;
}

ForgeProjectView *
forge_window_get_visible_project_view (ForgeWindow *self)
{
  GtkWidget *child;

  g_return_val_if_fail (FORGE_IS_WINDOW (self), NULL);

  child = gtk_stack_get_visible_child (self->main_stack);
  return FORGE_IS_PROJECT_VIEW (child) ? FORGE_PROJECT_VIEW (child) : NULL;
}

static const char *
project_for_run (ForgeWindow *self,
                 const char  *run_id)
{
  return g_hash_table_lookup (self->run_projects, run_id);
}

static gboolean
project_has_active_run (ForgeWindow *self,
                        const char  *project_id)
{
  GHashTableIter iter;
  const char *value;

  g_hash_table_iter_init (&iter, self->run_projects);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &value))
    if (g_str_equal (value, project_id))
      return TRUE;

  return FALSE;
}

static void project_view_retry_cb (ForgeWindow      *self,
                                   ForgeProjectView *view);
static void refresh_runs (ForgeWindow      *self,
                          ForgeProjectView *view);
static void runs_retry_cb (ForgeWindow   *self,
                           const char    *run_id,
                           ForgeRunsView *runs_view);
static void show_runs_changed_cb (ForgeProjectView *view,
                                  GParamSpec       *pspec,
                                  ForgeWindow      *self);
static void project_view_restart_sandbox_cb (ForgeWindow      *self,
                                             ForgeProjectView *view);
static void project_view_stop_sandbox_cb (ForgeWindow      *self,
                                          ForgeProjectView *view);

static ForgeProjectView *
ensure_project_view (ForgeWindow  *self,
                     ForgeProject *project)
{
  ForgeProjectView *view = forge_window_get_project_view (self, forge_project_get_id (project));

  if (view == NULL)
    {
      view = FORGE_PROJECT_VIEW (forge_project_view_new (project));
      gtk_stack_add_named (self->main_stack, GTK_WIDGET (view), forge_project_get_id (project));
      g_hash_table_insert (self->project_views, g_strdup (forge_project_get_id (project)), view);
      g_signal_connect_object (view, "retry", G_CALLBACK (project_view_retry_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (view, "restart-sandbox", G_CALLBACK (project_view_restart_sandbox_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (view, "stop-sandbox", G_CALLBACK (project_view_stop_sandbox_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (view, "notify::show-runs", G_CALLBACK (show_runs_changed_cb), self, 0);
      g_signal_connect_object (forge_project_view_get_runs_view (view), "retry", G_CALLBACK (runs_retry_cb), self, G_CONNECT_SWAPPED);
    }

  return view;
}

static void
select_project_row (ForgeWindow *self,
                    const char  *project_id)
{
  for (guint i = 0; ; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->projects_list, i);

      if (row == NULL)
        break;
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "project-id"), project_id) == 0)
        {
          gtk_list_box_select_row (self->projects_list, row);
          break;
        }
    }
}

static void
show_project (ForgeWindow  *self,
              ForgeProject *project)
{
  ForgeProjectView *view = ensure_project_view (self, project);

  gtk_stack_set_visible_child (self->main_stack, GTK_WIDGET (view));
  adw_window_title_set_title (self->window_title, forge_project_get_name (project));
  {
    g_autofree char *shown = forge_display_url (forge_project_get_repo_url (project));

    adw_window_title_set_subtitle (self->window_title, shown);
  }

  g_clear_pointer (&self->log_binding, g_binding_unbind);
  self->log_binding = g_object_bind_property (view, "show-log", self->log_button, "active",
                                              G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_widget_set_visible (GTK_WIDGET (self->log_button), TRUE);
  g_clear_pointer (&self->runs_binding, g_binding_unbind);
  self->runs_binding = g_object_bind_property (view, "show-runs", self->runs_button, "active",
                                               G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_widget_set_visible (GTK_WIDGET (self->runs_button), TRUE);
}

static void
start_run (ForgeWindow *self,
           const char  *repository_url)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *normalized = forge_git_normalize_url (repository_url, NULL);
  ForgeProject *project;
  ForgeProjectView *view;

  /* The new run owns the project now: no heartbeat or pending restart of
   * the old preview may race it. It is watched again once it is up. */
  project = normalized ? forge_project_store_find_by_url (self->store, normalized) : NULL;
  if (project != NULL)
    forge_sandbox_manager_unwatch (self->manager, forge_project_get_id (project));

  run_id = forge_clone_and_preview_start (self->engine, self->store, repository_url, NULL, &project_id, &error);
  if (run_id == NULL)
    {
      toast (self, error->message);
      return;
    }

  g_hash_table_insert (self->run_projects, g_strdup (run_id), g_strdup (project_id));

  project = forge_project_store_lookup (self->store, project_id);
  view = ensure_project_view (self, project);
  forge_project_view_begin_run (view);
  select_project_row (self, project_id);
  show_project (self, project);
}

gboolean
forge_window_open_repository (ForgeWindow *self,
                              const char  *repository_url)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  ForgeProject *project;

  g_return_val_if_fail (FORGE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (repository_url != NULL, FALSE);

  normalized = forge_git_normalize_url (repository_url, &error);
  if (normalized == NULL)
    {
      toast (self, error->message);
      return FALSE;
    }

  /* Opening what is already running just shows it. */
  project = forge_project_store_find_by_url (self->store, normalized);
  if (project != NULL && project_has_active_run (self, forge_project_get_id (project)))
    {
      select_project_row (self, forge_project_get_id (project));
      show_project (self, project);
      return TRUE;
    }

  start_run (self, normalized);
  return TRUE;
}

static void
refresh_runs (ForgeWindow      *self,
              ForgeProjectView *view)
{
  g_autoptr(GListModel) runs = NULL;

  if (!forge_project_view_get_show_runs (view))
    return;

  runs = forge_workflow_engine_list_runs (self->engine, "project_id",
                                          forge_project_get_id (forge_project_view_get_project (view)));
  forge_runs_view_set_runs (forge_project_view_get_runs_view (view), runs);
}

static void
show_runs_changed_cb (ForgeProjectView *view,
                      GParamSpec       *pspec,
                      ForgeWindow      *self)
{
  refresh_runs (self, view);
}

static void
runs_retry_cb (ForgeWindow   *self,
               const char    *run_id,
               ForgeRunsView *runs_view)
{
  g_autoptr(GError) error = NULL;
  ForgeProjectView *view = forge_window_get_visible_project_view (self);

  /* One run per project at a time: two would share one workspace. */
  if (view != NULL && project_has_active_run (self, forge_project_get_id (forge_project_view_get_project (view))))
    {
      toast (self, _("This project is still starting: wait for it to finish, then retry."));
      return;
    }

  if (!forge_workflow_engine_retry_run (self->engine, run_id, &error))
    toast (self, error->message);
}

static void
project_view_restart_sandbox_cb (ForgeWindow      *self,
                                 ForgeProjectView *view)
{
  ForgeProject *project = forge_project_view_get_project (view);
  const char *project_id = forge_project_get_id (project);

  if (project_has_active_run (self, project_id))
    return;

  /* Without a watched sandbox there is nothing to restart: start afresh. */
  if (!forge_sandbox_manager_is_watched (self->manager, project_id))
    {
      start_run (self, forge_project_get_repo_url (project));
      return;
    }

  forge_project_view_hide_banner (view);
  forge_sandbox_manager_restart (self->manager, project_id);
}

static void
project_view_stop_sandbox_cb (ForgeWindow      *self,
                              ForgeProjectView *view)
{
  ForgeProject *project = forge_project_view_get_project (view);
  GHashTableIter iter;
  const char *run_id, *run_project;

  /* A restart on its way would bring it back: cancel it first. */
  g_hash_table_iter_init (&iter, self->run_projects);
  while (g_hash_table_iter_next (&iter, (gpointer *) &run_id, (gpointer *) &run_project))
    if (g_str_equal (run_project, forge_project_get_id (project)))
      forge_workflow_engine_cancel_run (self->engine, run_id);

  forge_sandbox_manager_unwatch (self->manager, forge_project_get_id (project));
  forge_sandbox_manager_stop (self->manager, forge_project_get_id (project));
  forge_project_set_status (project, FORGE_PROJECT_STATUS_STOPPED);
  forge_preview_set_restoring (forge_project_view_get_preview (view), FALSE);
  forge_project_view_show_error (view, _("The sandbox is stopped."));
}

static void
project_view_retry_cb (ForgeWindow      *self,
                       ForgeProjectView *view)
{
  ForgeProject *project = forge_project_view_get_project (view);

  if (!project_has_active_run (self, forge_project_get_id (project)))
    start_run (self, forge_project_get_repo_url (project));
}

void
forge_window_show_uri (ForgeWindow *self,
                       const char  *uri)
{
  g_return_if_fail (FORGE_IS_WINDOW (self));
  g_return_if_fail (uri != NULL);

  forge_preview_set_base_uri (self->uri_preview, uri, FALSE);
  adw_window_title_set_subtitle (self->window_title, uri);
  gtk_stack_set_visible_child_name (self->main_stack, "uri");
}

static void
run_started_cb (ForgeWindow *self,
                const char  *run_id,
                const char  *function_id,
                JsonNode    *event_data)
{
  const char *project_id;

  if (event_data == NULL || !JSON_NODE_HOLDS_OBJECT (event_data))
    return;

  project_id = json_object_get_string_member_with_default (json_node_get_object (event_data), "project_id", NULL);
  if (project_id == NULL)
    return;

  /* A run resumed for a project removed meanwhile has nothing to do. */
  if (forge_project_store_lookup (self->store, project_id) == NULL)
    {
      forge_workflow_engine_cancel_run (self->engine, run_id);
      return;
    }

  g_hash_table_replace (self->run_projects, g_strdup (run_id), g_strdup (project_id));
  if (g_str_equal (function_id, FORGE_RESTART_PREVIEW_FUNCTION))
    {
      g_hash_table_add (self->restart_runs, g_strdup (run_id));
      return;
    }

  /* Runs resumed at start-up have no page yet. */
  if (forge_window_get_project_view (self, project_id) == NULL)
    {
      ForgeProject *project = forge_project_store_lookup (self->store, project_id);

      if (project != NULL)
        forge_project_view_begin_run (ensure_project_view (self, project));
    }
}

static void
update_visibility (ForgeWindow *self)
{
  ForgeProjectView *view = forge_window_get_visible_project_view (self);
  const char *visible = view ? forge_project_get_id (forge_project_view_get_project (view)) : NULL;

  if (g_strcmp0 (visible, self->visible_project) == 0)
    return;

  if (self->visible_project != NULL)
    forge_sandbox_manager_set_visible (self->manager, self->visible_project, FALSE);
  g_free (self->visible_project);
  self->visible_project = g_strdup (visible);
  if (visible != NULL)
    forge_sandbox_manager_set_visible (self->manager, visible, TRUE);
}

static void
sandbox_state_cb (ForgeWindow       *self,
                  const char        *project_id,
                  ForgeSandboxState  state,
                  const char        *url,
                  gint64             restart_ms)
{
  ForgeProjectView *view = forge_window_get_project_view (self, project_id);
  ForgePreview *preview;

  if (view == NULL)
    return;

  preview = forge_project_view_get_preview (view);

  if (state == FORGE_SANDBOX_STATE_RESTARTING)
    forge_preview_set_restoring (preview, TRUE);
  else if (state == FORGE_SANDBOX_STATE_RESTORED)
    {
      /* Same path, new origin; only the web view reloads. */
      forge_project_view_hide_banner (view);
      forge_preview_set_base_uri (preview, url, TRUE);
    }
  else if (state == FORGE_SANDBOX_STATE_GAVE_UP)
    forge_project_view_show_gave_up (view, _("The dev server keeps stopping right after it starts, so automatic restarts are off. Check the log, then restart it."));
}

static void
step_cb (ForgeWindow    *self,
         const char     *run_id,
         const char     *step_id,
         ForgeStepState  state,
         guint           attempt,
         gint64          duration_ms,
         const char     *error_message)
{
  ForgeProjectView *view = forge_window_get_project_view (self, project_for_run (self, run_id));
  g_autofree char *detail = NULL;

  if (view == NULL)
    return;

  /* Under a failed step goes the output behind its error, as before. */
  if (error_message != NULL)
    {
      g_autoptr(ForgeRunInfo) info = forge_workflow_engine_dup_run_info (self->engine, run_id);
      ForgeStepInfo *step = info ? forge_run_info_lookup_step (info, step_id) : NULL;
      const char *log_tail = step ? forge_step_info_get_error_log_tail (step) : NULL;

      detail = log_tail ? g_strconcat (error_message, "\n", log_tail, NULL) : g_strdup (error_message);
    }
  forge_steps_view_update (forge_project_view_get_steps_view (view), step_id, state, attempt, duration_ms, detail);
}

static void
progress_cb (ForgeWindow *self,
             const char  *run_id,
             const char  *step_id,
             double       fraction,
             const char  *text)
{
  ForgeProjectView *view = forge_window_get_project_view (self, project_for_run (self, run_id));

  if (view != NULL)
    forge_steps_view_set_progress (forge_project_view_get_steps_view (view), step_id, fraction, text);
}

static void
log_cb (ForgeWindow *self,
        const char  *run_id,
        const char  *stream,
        const char  *line)
{
  ForgeProjectView *view = forge_window_get_project_view (self, project_for_run (self, run_id));

  if (view != NULL)
    forge_log_view_append (forge_project_view_get_log_view (view), stream, line);
}

static void
run_finished_cb (ForgeWindow    *self,
                 const char     *run_id,
                 ForgeRunStatus  status,
                 JsonNode       *output,
                 const char     *error_message)
{
  g_autofree char *project_id = g_strdup (project_for_run (self, run_id));
  ForgeProjectView *view = forge_window_get_project_view (self, project_id);
  gboolean restart = g_hash_table_remove (self->restart_runs, run_id);

  g_hash_table_remove (self->run_projects, run_id);

  /* The manager reports how its restarts end (sandbox-state). */
  if (view == NULL || restart)
    return;

  if (status == FORGE_RUN_STATUS_COMPLETED && output != NULL && JSON_NODE_HOLDS_OBJECT (output))
    {
      const char *url = json_object_get_string_member (json_node_get_object (output), "preview_url");
      const char *network = json_object_get_string_member_with_default (json_node_get_object (output), "network", NULL);

      forge_project_view_show_preview (view, url);
      if (g_strcmp0 (network, "shared") == 0)
        toast (self, _("Network not isolated: install slirp4netns to keep previews away from this computer’s services"));
      forge_sandbox_manager_watch (self->manager, project_id);
      forge_sandbox_manager_set_visible (self->manager, project_id,
                                         g_strcmp0 (project_id, self->visible_project) == 0);
    }
  else if (status == FORGE_RUN_STATUS_FAILED)
    {
      g_autoptr(ForgeRunInfo) info = forge_workflow_engine_dup_run_info (self->engine, run_id);

      forge_project_view_show_error_with_log (view, error_message, info ? forge_run_info_get_error_log_tail (info) : NULL);
    }
}

static void
server_exited_cb (ForgeWindow *self,
                  const char  *project_id,
                  int          wait_status)
{
  ForgeProjectView *view = forge_window_get_project_view (self, project_id);
  ForgeProject *project = forge_project_store_lookup (self->store, project_id);

  /* A watched sandbox is the manager's to bring back. */
  if (forge_sandbox_manager_is_watched (self->manager, project_id) || project_has_active_run (self, project_id))
    return;

  if (project != NULL)
    forge_project_set_status (project, FORGE_PROJECT_STATUS_STOPPED);
  if (view != NULL)
    forge_project_view_show_error (view, _("The dev server stopped. Try again to start it."));
}

static void
server_log_cb (ForgeWindow *self,
               const char  *project_id,
               const char  *stream,
               const char  *line)
{
  ForgeProjectView *view = forge_window_get_project_view (self, project_id);

  if (view != NULL)
    forge_log_view_append (forge_project_view_get_log_view (view), stream, line);
}

static gboolean
repo_url_to_display (GBinding     *binding,
                     const GValue *from,
                     GValue       *to,
                     gpointer      user_data)
{
  g_value_take_string (to, forge_display_url (g_value_get_string (from)));
  return TRUE;
}

static gboolean
status_to_icon (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  switch ((ForgeProjectStatus) g_value_get_enum (from))
    {
    case FORGE_PROJECT_STATUS_GENERATING:
      g_value_set_string (to, "content-loading-symbolic");
      break;
    case FORGE_PROJECT_STATUS_DEPLOYED:
      g_value_set_string (to, "emblem-ok-symbolic");
      break;
    case FORGE_PROJECT_STATUS_FAILED:
      g_value_set_string (to, "dialog-error-symbolic");
      break;
    case FORGE_PROJECT_STATUS_STOPPED:
    default:
      g_value_set_string (to, "media-playback-stop-symbolic");
      break;
    }
  return TRUE;
}

static gboolean
status_to_tooltip (GBinding     *binding,
                   const GValue *from,
                   GValue       *to,
                   gpointer      user_data)
{
  switch ((ForgeProjectStatus) g_value_get_enum (from))
    {
    case FORGE_PROJECT_STATUS_GENERATING:
      g_value_set_string (to, _("Starting"));
      break;
    case FORGE_PROJECT_STATUS_DEPLOYED:
      g_value_set_string (to, _("Running"));
      break;
    case FORGE_PROJECT_STATUS_FAILED:
      g_value_set_string (to, _("Failed"));
      break;
    case FORGE_PROJECT_STATUS_STOPPED:
    default:
      g_value_set_string (to, _("Stopped"));
      break;
    }
  return TRUE;
}

static GtkWidget *
create_project_row (gpointer item,
                    gpointer user_data)
{
  ForgeProject *project = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *icon = gtk_image_new ();
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");

  g_object_bind_property_full (project, "status", icon, "icon-name", G_BINDING_SYNC_CREATE,
                               status_to_icon, NULL, NULL, NULL);
  g_object_bind_property_full (project, "status", icon, "tooltip-text", G_BINDING_SYNC_CREATE,
                               status_to_tooltip, NULL, NULL, NULL);
  g_object_bind_property (project, "name", name, "label", G_BINDING_SYNC_CREATE);
  g_object_bind_property_full (project, "repo-url", subtitle, "label", G_BINDING_SYNC_CREATE,
                               repo_url_to_display, NULL, NULL, NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (labels), name);
  gtk_box_append (GTK_BOX (labels), subtitle);

  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove Project"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "win.remove-project");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (remove), "s", forge_project_get_id (project));

  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data_full (G_OBJECT (row), "project-id", g_strdup (forge_project_get_id (project)), g_free);

  return row;
}

static void
project_row_selected_cb (ForgeWindow   *self,
                         GtkListBoxRow *row)
{
  const char *project_id;
  ForgeProject *project;
  g_autofree char *live_url = NULL;
  ForgeProjectView *view;

  if (row == NULL)
    return;

  project_id = g_object_get_data (G_OBJECT (row), "project-id");
  project = forge_project_store_lookup (self->store, project_id);
  if (project == NULL)
    return;

  view = forge_window_get_project_view (self, project_id);
  show_project (self, project);

  /* A project from an earlier session has a clone and installed packages
   * but no server: bring it back (fetch, skip the install, start). */
  live_url = forge_sandbox_manager_dup_preview_url (self->manager, project_id);
  if (live_url == NULL && !project_has_active_run (self, project_id) &&
      (view == NULL || forge_project_get_status (project) == FORGE_PROJECT_STATUS_DEPLOYED))
    start_run (self, forge_project_get_repo_url (project));
}

static void
update_sidebar_visibility (ForgeWindow *self)
{
  gtk_widget_set_visible (self->sidebar, g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0);
}

static void
open_dialog_open_cb (ForgeWindow *self,
                     const char  *url)
{
  forge_window_open_repository (self, url);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  GtkWidget *dialog = forge_open_dialog_new (GTK_WINDOW (self), self->settings);

  g_signal_connect_object (dialog, "open", G_CALLBACK (open_dialog_open_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete_workspace_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (!forge_remove_tree (task_data, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
delete_workspace_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ForgeWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  /* The window may be closing: then there is nowhere to say it. */
  if (!g_task_propagate_boolean (G_TASK (result), &error) && self->toast_overlay != NULL)
    toast (self, error->message);
}

void
forge_window_remove_project (ForgeWindow *self,
                             const char  *project_id)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) event = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *ignored = NULL;
  g_autofree char *workspace = NULL;
  JsonObject *data = json_object_new ();
  ForgeProjectView *view;

  /* Its runs are registered to be cancelled by this event. */
  json_object_set_string_member (data, "project_id", project_id);
  json_node_take_object (event, data);
  ignored = forge_workflow_engine_send (self->engine, FORGE_PROJECT_REMOVED_EVENT, event);

  forge_sandbox_manager_stop (self->manager, project_id);

  view = forge_window_get_project_view (self, project_id);
  if (view != NULL)
    {
      if (forge_window_get_visible_project_view (self) == view)
        {
          g_clear_pointer (&self->log_binding, g_binding_unbind);
          g_clear_pointer (&self->runs_binding, g_binding_unbind);
          gtk_widget_set_visible (GTK_WIDGET (self->log_button), FALSE);
          gtk_widget_set_visible (GTK_WIDGET (self->runs_button), FALSE);
          adw_window_title_set_title (self->window_title, _("Forge Preview"));
          adw_window_title_set_subtitle (self->window_title, NULL);
          gtk_stack_set_visible_child_name (self->main_stack, "empty");
        }
      gtk_stack_remove (self->main_stack, GTK_WIDGET (view));
      g_hash_table_remove (self->project_views, project_id);
    }

  /* Only a valid id names a folder under the workspaces dir: anything
   * else ("../..") would delete elsewhere. The store never holds one. */
  workspace = forge_project_workspace_dir_for_id (project_id);
  if (workspace != NULL)
    {
      /* Not cancellable: closing the window must not leave half a workspace. */
      task = g_task_new (NULL, NULL, delete_workspace_cb, g_object_ref (self));
      g_task_set_source_tag (task, forge_window_remove_project);
      g_task_set_task_data (task, g_steal_pointer (&workspace), g_free);
      g_task_run_in_thread (task, delete_workspace_thread);
    }
  else
    g_warning ("Not deleting a workspace for the invalid project id “%s”", project_id);

  forge_project_store_remove (self->store, project_id);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    ForgeWindow      *self)
{
  if (g_str_equal (response, "remove"))
    forge_window_remove_project (self, g_object_get_data (G_OBJECT (dialog), "project-id"));
}

static void
remove_project_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  const char *project_id = g_variant_get_string (parameter, NULL);
  ForgeProject *project = forge_project_store_lookup (self->store, project_id);
  GtkWidget *dialog;

  if (project == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Remove Project?"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("“%s” will be stopped and its local copy, with its installed packages, deleted. The repository itself is not touched."),
                                  forge_project_get_name (project));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "project-id", g_strdup (project_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
toggle_log_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ForgeWindow *self = FORGE_WINDOW (widget);
  ForgeProjectView *view = forge_window_get_visible_project_view (self);

  if (view != NULL)
    forge_project_view_set_show_log (view, !forge_project_view_get_show_log (view));
}

static void
setup_with_application (ForgeWindow      *self,
                        ForgeApplication *forge_app)
{
  self->settings = g_object_ref (forge_application_get_settings (forge_app));
  self->store = g_object_ref (forge_application_get_store (forge_app));
  self->engine = g_object_ref (forge_application_get_engine (forge_app));
  self->manager = g_object_ref (forge_application_get_manager (forge_app));

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  gtk_list_box_bind_model (self->projects_list, G_LIST_MODEL (self->store), create_project_row, self, NULL);
  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (update_sidebar_visibility), self, G_CONNECT_SWAPPED);
  update_sidebar_visibility (self);

  g_signal_connect_object (self->engine, "run-started", G_CALLBACK (run_started_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->engine, "step", G_CALLBACK (step_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->engine, "progress", G_CALLBACK (progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->engine, "log", G_CALLBACK (log_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->engine, "run-finished", G_CALLBACK (run_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "server-exited", G_CALLBACK (server_exited_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "server-log", G_CALLBACK (server_log_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "sandbox-state", G_CALLBACK (sandbox_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->main_stack, "notify::visible-child", G_CALLBACK (update_visibility), self, G_CONNECT_SWAPPED);
}

static gboolean
forge_window_close_request (GtkWindow *window)
{
  ForgeWindow *self = FORGE_WINDOW (window);

  /* Everything the window started (clones, installs, servers) watches this. */
  g_cancellable_cancel (self->cancellable);

  return GTK_WINDOW_CLASS (forge_window_parent_class)->close_request (window);
}

static void
forge_window_dispose (GObject *object)
{
  ForgeWindow *self = FORGE_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->log_binding, g_binding_unbind);
  g_clear_pointer (&self->runs_binding, g_binding_unbind);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_WINDOW);

  G_OBJECT_CLASS (forge_window_parent_class)->dispose (object);
}

static void
forge_window_finalize (GObject *object)
{
  ForgeWindow *self = FORGE_WINDOW (object);

  g_clear_pointer (&self->run_projects, g_hash_table_unref);
  g_clear_pointer (&self->restart_runs, g_hash_table_unref);
  g_clear_pointer (&self->visible_project, g_free);
  g_clear_pointer (&self->project_views, g_hash_table_unref);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->engine);
  g_clear_object (&self->manager);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (forge_window_parent_class)->finalize (object);
}

static void
forge_window_class_init (ForgeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = forge_window_dispose;
  object_class->finalize = forge_window_finalize;
  window_class->close_request = forge_window_close_request;

  g_type_ensure (FORGE_TYPE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, log_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, runs_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, projects_list);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, uri_preview);
  gtk_widget_class_bind_template_callback (widget_class, project_row_selected_cb);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.remove-project", "s", remove_project_action);
  gtk_widget_class_install_action (widget_class, "win.toggle-log", NULL, toggle_log_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_L, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.toggle-log", NULL);
}

static void
forge_window_init (ForgeWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->run_projects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->restart_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->project_views = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}
