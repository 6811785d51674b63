/* forge-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-preview.h"
#include "forge-project-row.h"
#include "forge-repo-spec.h"
#include "forge-util.h"
#include "forge-window-private.h"

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

void
_forge_window_toast (ForgeWindow *self,
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
  _forge_window_toast (self, message);
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

static void start_run (ForgeWindow         *self,
                       ForgePreviewSession *session,
                       const char          *backend);

static ForgePreviewSession *
view_session (ForgeProjectView *view)
{
  return forge_project_view_get_session (view);
}

static void
runs_retry_cb (ForgeWindow   *self,
               const char    *run_id,
               ForgeRunsView *runs_view)
{
  g_autoptr(GError) error = NULL;
  ForgeProjectView *view = forge_window_get_visible_project_view (self);

  if (view != NULL && !forge_preview_session_retry_run (view_session (view), run_id, &error))
    _forge_window_toast (self, error->message);
}

static void
session_run_finished_cb (ForgeWindow         *self,
                         const char          *run_id,
                         ForgeRunStatus       status,
                         const char          *error_message,
                         ForgePreviewSession *session)
{
  if (status == FORGE_RUN_STATUS_COMPLETED &&
      g_strcmp0 (forge_preview_session_get_network (session), "shared") == 0)
    _forge_window_toast (self, _("Network not isolated: install slirp4netns to keep previews away from this computer’s services"));
}

static ForgeProjectView *
ensure_project_view (ForgeWindow         *self,
                     ForgePreviewSession *session)
{
  const char *project_id = forge_preview_session_get_project_id (session);
  ForgeProjectView *view = forge_window_get_project_view (self, project_id);

  if (view == NULL)
    {
      view = FORGE_PROJECT_VIEW (forge_project_view_new_for_session (session));
      gtk_stack_add_named (self->main_stack, GTK_WIDGET (view), project_id);
      g_hash_table_insert (self->project_views, g_strdup (project_id), view);
      g_signal_connect_object (forge_project_view_get_runs_view (view), "retry", G_CALLBACK (runs_retry_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "run-finished", G_CALLBACK (session_run_finished_cb), self, G_CONNECT_SWAPPED);
      /* Not on screen yet: a preview that comes up meanwhile is a hidden
       * one, kept alive only for the sandbox timeout. */
      if (session != self->visible_session)
        forge_preview_session_set_visible (session, FALSE);
    }

  return view;
}

static ForgeProjectRow *
find_project_row (ForgeWindow *self,
                  const char  *project_id)
{
  for (guint i = 0; ; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->projects_list, i);

      if (row == NULL)
        return NULL;
      if (g_strcmp0 (forge_project_row_get_project_id (FORGE_PROJECT_ROW (row)), project_id) == 0)
        return FORGE_PROJECT_ROW (row);
    }
}

static void
select_project_row (ForgeWindow *self,
                    const char  *project_id)
{
  ForgeProjectRow *row = find_project_row (self, project_id);

  if (row != NULL && gtk_list_box_get_selected_row (self->projects_list) != GTK_LIST_BOX_ROW (row))
    gtk_list_box_select_row (self->projects_list, GTK_LIST_BOX_ROW (row));
}

/* With no project on screen: say how to get one. */
static void
update_placeholder (ForgeWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->main_stack);

  if (forge_window_get_visible_project_view (self) != NULL || g_strcmp0 (name, "uri") == 0)
    return;

  gtk_stack_set_visible_child_name (self->main_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0 ? "select" : "empty");
}

/* Shows the project as it stands; never starts anything. */
static void
show_project (ForgeWindow         *self,
              ForgePreviewSession *session)
{
  ForgeProjectView *view = ensure_project_view (self, session);

  gtk_stack_set_visible_child (self->main_stack, GTK_WIDGET (view));
  select_project_row (self, forge_preview_session_get_project_id (session));
}

void
_forge_window_show_sidebar (ForgeWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar_pane);
}

static void
show_content (ForgeWindow *self)
{
  adw_leaflet_set_visible_child (self->leaflet, self->content_pane);
}

static void
start_run (ForgeWindow         *self,
           ForgePreviewSession *session,
           const char          *backend)
{
  g_autoptr(GError) error = NULL;

  /* The view first, so that it sees the run begin. */
  ensure_project_view (self, session);
  if (!forge_preview_session_run (session, backend, &error))
    {
      _forge_window_toast (self, error->message);
      return;
    }

  show_project (self, session);
}

/* Running, starting or being restored: nothing to start. */
static gboolean
is_up (ForgePreviewSession *session)
{
  return forge_preview_session_has_active_run (session) || forge_preview_session_is_live (session);
}

void
_forge_window_start_project (ForgeWindow         *self,
                             ForgePreviewSession *session)
{
  show_project (self, session);

  if (is_up (session))
    return;

  /* After the manager gave up, the sandbox is still there: restart the
   * server, not the whole workflow. */
  if (forge_preview_session_get_state (session) == FORGE_PREVIEW_SESSION_STATE_GAVE_UP)
    {
      forge_preview_session_restart (session);
      return;
    }

  start_run (self, session, NULL);
}

ForgePreviewSession *
_forge_window_lookup_session (ForgeWindow *self,
                              const char  *project_id)
{
  ForgeProject *project;

  if (project_id == NULL || *project_id == '\0')
    {
      ForgeProjectView *view = forge_window_get_visible_project_view (self);

      return view != NULL ? view_session (view) : NULL;
    }

  project = forge_project_store_lookup (self->store, project_id);
  return project != NULL ? forge_context_ensure_session (self->context, project) : NULL;
}

ForgePreview *
_forge_window_get_visible_preview (ForgeWindow *self)
{
  ForgeProjectView *view = forge_window_get_visible_project_view (self);

  if (view != NULL)
    return forge_project_view_get_preview (view);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "uri") == 0)
    return self->uri_preview;
  return NULL;
}

gboolean
forge_window_open_repository (ForgeWindow *self,
                              const char  *repository_url)
{
  return forge_window_open_repository_on (self, repository_url, NULL);
}

gboolean
forge_window_open_repository_on (ForgeWindow *self,
                                 const char  *repository_url,
                                 const char  *backend)
{
  g_autoptr(GError) error = NULL;
  ForgePreviewSession *session;

  g_return_val_if_fail (FORGE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (repository_url != NULL, FALSE);

  session = forge_context_open_session (self->context, repository_url, &error);
  if (session == NULL)
    {
      _forge_window_toast (self, error->message);
      return FALSE;
    }

  /* Opening what is already running just shows it: no new clone, install
   * or server. One that gave up keeps its page, with its Restart. */
  if (is_up (session) || forge_preview_session_get_state (session) == FORGE_PREVIEW_SESSION_STATE_GAVE_UP)
    show_project (self, session);
  else
    start_run (self, session, backend);

  show_content (self);
  return TRUE;
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

/* Runs resumed at start-up have no page yet. */
static void
session_added_cb (ForgeWindow         *self,
                  ForgePreviewSession *session)
{
  ForgeProjectRow *row = find_project_row (self, forge_preview_session_get_project_id (session));

  if (row != NULL)
    forge_project_row_set_session (row, session);
  ensure_project_view (self, session);
}

static void
visible_session_bind_cb (ForgeWindow         *self,
                         ForgePreviewSession *session)
{
  g_set_object (&self->visible_session, session);
  forge_preview_session_set_visible (session, TRUE);
}

static void
visible_session_unbind_cb (ForgeWindow *self)
{
  g_autoptr(ForgePreviewSession) session = g_steal_pointer (&self->visible_session);

  if (session != NULL)
    forge_preview_session_set_visible (session, FALSE);
}

static void update_subtitle (ForgeWindow *self);

/* Everything the window shows of the visible project follows its view,
 * its session and its project through the groups. */
static void
visible_child_cb (ForgeWindow *self)
{
  ForgeProjectView *view = forge_window_get_visible_project_view (self);
  ForgePreviewSession *session = view ? view_session (view) : NULL;

  g_binding_group_set_source (self->view_bindings, view);
  g_binding_group_set_source (self->project_bindings, session ? forge_preview_session_get_project (session) : NULL);
  g_signal_group_set_target (self->project_signals, session ? forge_preview_session_get_project (session) : NULL);
  g_signal_group_set_target (self->session_signals, session);
  update_subtitle (self);

  gtk_widget_set_visible (GTK_WIDGET (self->log_button), view != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->runs_button), view != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->project_menu_button), view != NULL);
  if (view == NULL && g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "uri") != 0)
    {
      adw_window_title_set_title (self->window_title, _("Forge Preview"));
      adw_window_title_set_subtitle (self->window_title, NULL);
    }

  /* Shown again (stopped) at the next start. */
  if (view != NULL && self->settings != NULL)
    g_settings_set_string (self->settings, "last-project-id", forge_preview_session_get_project_id (session));

  /* Disabled, their shortcuts reach the focused widget. */
  _forge_window_update_actions (self);
}

/* "github.com/o/r · main · 1a2b3c4": where the visible project comes
 * from, and what of it runs. */
static void
update_subtitle (ForgeWindow *self)
{
  g_autoptr(ForgeProject) project = g_signal_group_dup_target (self->project_signals);
  g_autoptr(GString) subtitle = NULL;
  g_autofree char *url = NULL;
  g_autofree char *ref = NULL;
  const char *commit;

  if (project == NULL)
    return;

  url = forge_display_url (forge_project_get_repo_url (project));
  subtitle = g_string_new (url);
  if ((ref = forge_git_ref_dup_display_name (forge_project_get_git_ref (project))) != NULL)
    g_string_append_printf (subtitle, " · %s", ref);
  if ((commit = forge_project_get_head_commit (project)) != NULL && strlen (commit) >= 7)
    g_string_append_printf (subtitle, " · %.7s", commit);
  adw_window_title_set_subtitle (self->window_title, subtitle->str);
}

static GtkWidget *
create_project_row (gpointer item,
                    gpointer user_data)
{
  ForgeWindow *self = user_data;
  ForgeProject *project = item;
  GtkWidget *row = forge_project_row_new (project);

  forge_project_row_set_session (FORGE_PROJECT_ROW (row),
                                 forge_context_lookup_session (self->context, forge_project_get_id (project)));
  return row;
}

/* Selecting (arrows, Tab, a click) only shows the project as it is. */
static void
project_row_selected_cb (ForgeWindow   *self,
                         GtkListBoxRow *row)
{
  ForgeProject *project;

  if (row == NULL)
    return;

  project = forge_project_row_get_project (FORGE_PROJECT_ROW (row));
  if (forge_project_store_lookup (self->store, forge_project_get_id (project)) == NULL)
    return;

  show_project (self, forge_context_ensure_session (self->context, project));
}

/* Activating (Enter, a double click; a tap when folded) opens it. */
static void
project_row_activated_cb (ForgeWindow   *self,
                          GtkListBoxRow *row)
{
  ForgeProject *project = forge_project_row_get_project (FORGE_PROJECT_ROW (row));

  if (forge_project_store_lookup (self->store, forge_project_get_id (project)) == NULL)
    return;

  _forge_window_start_project (self, forge_context_ensure_session (self->context, project));
  show_content (self);
}

static void
leaflet_folded_cb (ForgeWindow *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  /* One pane: a tap on a project is the only way to its page. */
  gtk_list_box_set_activate_on_single_click (self->projects_list, folded);
}

static void
remove_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ForgeWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  /* Cancelled: the window is closing, and there is nowhere to say it. */
  if (!forge_preview_session_remove_finish (FORGE_PREVIEW_SESSION (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _forge_window_toast (self, error->message);
}

void
forge_window_remove_project (ForgeWindow *self,
                             const char  *project_id)
{
  ForgeProject *project;
  ForgePreviewSession *session;
  ForgeProjectView *view;

  g_return_if_fail (FORGE_IS_WINDOW (self));
  g_return_if_fail (project_id != NULL);

  project = forge_project_store_lookup (self->store, project_id);
  session = forge_context_lookup_session (self->context, project_id);
  if (session == NULL && project != NULL)
    session = forge_context_ensure_session (self->context, project);
  if (session == NULL)
    return;

  view = forge_window_get_project_view (self, project_id);
  if (view != NULL)
    {
      gboolean was_visible = forge_window_get_visible_project_view (self) == view;

      if (was_visible)
        gtk_stack_set_visible_child_name (self->main_stack, "empty");
      gtk_stack_remove (self->main_stack, GTK_WIDGET (view));
      g_hash_table_remove (self->project_views, project_id);
    }

  forge_preview_session_remove_async (session, self->cancellable, remove_cb, g_object_ref (self));
  update_placeholder (self);
}

/* The project seen last is shown again as it is now (stopped, after a
 * restart of the app); nothing starts until asked. */
static void
restore_last_project (ForgeWindow *self)
{
  g_autofree char *project_id = g_settings_get_string (self->settings, "last-project-id");
  ForgeProject *project = forge_project_store_lookup (self->store, project_id);

  if (project != NULL)
    {
      show_project (self, forge_context_ensure_session (self->context, project));
      show_content (self);
    }
  else
    update_placeholder (self);

  /* Nothing to choose from yet: the page that opens one. */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) == 0)
    show_content (self);
}

static void
setup_with_application (ForgeWindow      *self,
                        ForgeApplication *forge_app)
{
  self->settings = g_object_ref (forge_application_get_settings (forge_app));
  self->context = g_object_ref (forge_application_get_context (forge_app));
  self->store = g_object_ref (forge_context_get_store (self->context));

  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  gtk_list_box_bind_model (self->projects_list, G_LIST_MODEL (self->store), create_project_row, self, NULL);
  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (update_placeholder), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->context, "session-added", G_CALLBACK (session_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->main_stack, "notify::visible-child", G_CALLBACK (visible_child_cb), self, G_CONNECT_SWAPPED);

  restore_last_project (self);
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
  if (self->view_bindings != NULL)
    g_binding_group_set_source (self->view_bindings, NULL);
  if (self->project_bindings != NULL)
    g_binding_group_set_source (self->project_bindings, NULL);
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  if (self->project_signals != NULL)
    g_signal_group_set_target (self->project_signals, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_WINDOW);

  G_OBJECT_CLASS (forge_window_parent_class)->dispose (object);
}

static void
forge_window_finalize (GObject *object)
{
  ForgeWindow *self = FORGE_WINDOW (object);

  g_clear_pointer (&self->project_views, g_hash_table_unref);
  g_clear_object (&self->view_bindings);
  g_clear_object (&self->project_bindings);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->project_signals);
  g_clear_object (&self->visible_session);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->context);
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
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, content_pane);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, primary_menu_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, project_menu_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, log_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, runs_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, projects_list);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeWindow, uri_preview);
  gtk_widget_class_bind_template_callback (widget_class, project_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, project_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, leaflet_folded_cb);

  _forge_window_class_actions_init (klass);
}

static void
forge_window_init (ForgeWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->project_views = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->view_bindings = g_binding_group_new ();
  g_binding_group_bind (self->view_bindings, "show-log", self->log_button, "active",
                        G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->view_bindings, "show-runs", self->runs_button, "active",
                        G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  self->project_bindings = g_binding_group_new ();
  g_binding_group_bind (self->project_bindings, "name", self->window_title, "title", G_BINDING_SYNC_CREATE);
  self->project_signals = g_signal_group_new (FORGE_TYPE_PROJECT);
  g_signal_group_connect_object (self->project_signals, "notify::repo-url", G_CALLBACK (update_subtitle), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->project_signals, "notify::git-ref", G_CALLBACK (update_subtitle), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->project_signals, "notify::head-commit", G_CALLBACK (update_subtitle), self, G_CONNECT_SWAPPED);

  /* Only the visible preview is kept alive for as long as it is open. */
  self->session_signals = g_signal_group_new (FORGE_TYPE_PREVIEW_SESSION);
  g_signal_connect_object (self->session_signals, "bind", G_CALLBACK (visible_session_bind_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session_signals, "unbind", G_CALLBACK (visible_session_unbind_cb), self, G_CONNECT_SWAPPED);
  /* Pull and Switch Branch wait for the project's runs and updates. */
  g_signal_group_connect_object (self->session_signals, "notify::has-active-run", G_CALLBACK (_forge_window_update_actions),
                                 self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::updating", G_CALLBACK (_forge_window_update_actions),
                                 self, G_CONNECT_SWAPPED);

  /* GTK 4.8 names a menu button's inner button by its type. */
  _forge_menu_button_set_label (self->primary_menu_button, _("Main Menu"));
  _forge_menu_button_set_label (self->project_menu_button, _("Project Menu"));
  leaflet_folded_cb (self);
  _forge_window_update_actions (self);

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}
