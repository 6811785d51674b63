/* forge-project-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-monorepo.h"
#include "forge-project-view-private.h"
#include "forge-util.h"

struct _ForgeProjectView
{
  GtkWidget       parent_instance;

  ForgeProject   *project;
  ForgePreviewSession *session;
  GSignalGroup   *session_signals;

  GMenuModel     *sandbox_menu;
  GtkPaned       *paned;
  GtkStack       *stack;
  AdwStatusPage  *preparing_page;
  GtkLabel       *preparing_detail;
  GtkLabel       *elapsed_label;
  GtkBox         *preparing_steps_box;
  ForgeStepsView *steps_view;
  AdwStatusPage  *failed_page;
  GtkWidget      *log_tail_clamp;
  GtkLabel       *log_tail_label;
  GtkBox         *failed_steps_box;
  AdwStatusPage  *choose_app_page;
  AdwPreferencesGroup *apps_group;
  GPtrArray      *app_rows;
  /* The listing of apps under way, if any. */
  GCancellable   *apps_cancellable;
  AdwStatusPage  *stopped_page;
  AdwStatusPage  *gave_up_page;
  ForgePreview   *preview;
  ForgeLogView   *log_view;
  ForgeRunsView  *runs_view;
  ForgeEnvironmentPage *environment_page;
  char           *page_before_runs;

  /* The preparing page's clock: when the run began (monotonic µs), and
   * the source that ticks while the page shows. */
  gint64          run_started_at;
  guint           elapsed_source;
  /* Whether the person has placed the log's divider themselves. */
  gboolean        log_position_set;
};

enum {
  PROP_0,
  PROP_PROJECT,
  PROP_SESSION,
  PROP_SHOW_LOG,
  PROP_SHOW_RUNS,
  PROP_SHOW_ENVIRONMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeProjectView, forge_project_view, GTK_TYPE_WIDGET)

static void
preview_path_changed_cb (ForgeProjectView *self)
{
  const char *path = forge_preview_get_path (self->preview);

  /* Remembered so a restart, or the next session, lands on the same page. */
  if (path != NULL && forge_preview_get_state (self->preview) == FORGE_PREVIEW_STATE_LOADED)
    forge_project_set_last_path (self->project, path);
}

/* The list is live: set once when shown, it follows new runs. */
static void
refresh_runs (ForgeProjectView *self)
{
  g_autoptr(GListModel) runs = NULL;

  if (self->session == NULL || !forge_project_view_get_show_runs (self))
    return;

  runs = forge_preview_session_list_runs (self->session);
  forge_runs_view_set_runs (self->runs_view, runs);
}

static void place_log_divider (ForgeProjectView *self);

/* Session events change the page, leaving the runs or the environment
 * if they were shown. */
static void
set_page (ForgeProjectView *self,
          const char       *name)
{
  gboolean showed_runs = forge_project_view_get_show_runs (self);
  gboolean showed_environment = forge_project_view_get_show_environment (self);

  gtk_stack_set_visible_child_name (self->stack, name);
  if (showed_runs && !g_str_equal (name, "runs"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_RUNS]);
  if (showed_environment && !g_str_equal (name, "environment"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_ENVIRONMENT]);
}

/* What can be asked of the session right now. Starting again waits until
 * a cancelled run has wound down: the session would ignore it before. */
static void
update_actions (ForgeProjectView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean usable = self->session != NULL &&
                    forge_preview_session_get_state (self->session) != FORGE_PREVIEW_SESSION_STATE_REMOVED;
  gboolean busy = usable && forge_preview_session_has_active_run (self->session);

  gtk_widget_action_set_enabled (widget, "project.cancel", busy);
  gtk_widget_action_set_enabled (widget, "project.start", usable && !busy);
  gtk_widget_action_set_enabled (widget, "project.retry", usable && !busy);
  gtk_widget_action_set_enabled (widget, "project.restart", usable && !busy);
  gtk_widget_action_set_enabled (widget, "sandbox.restart", usable && !busy);
  gtk_widget_action_set_enabled (widget, "sandbox.stop", usable);
  gtk_widget_action_set_enabled (widget, "project.choose-app", usable && !busy);
  gtk_widget_action_set_enabled (widget, "project.use-app", usable && !busy);

  /* A change to a running preview waits for a restart: say so. */
  forge_environment_page_set_offer_restart (self->environment_page,
                                            self->session != NULL &&
                                            (forge_preview_session_get_state (self->session) == FORGE_PREVIEW_SESSION_STATE_RUNNING ||
                                             forge_preview_session_get_state (self->session) == FORGE_PREVIEW_SESSION_STATE_RESTORING));
}

static GtkWidget *
make_app_row (ForgeMonorepoPackage *app,
              gboolean              current)
{
  GtkWidget *row = adw_action_row_new ();
  const char *folder = forge_monorepo_package_get_folder (app);
  /* Translators: an app's folder and its framework, "apps/web · Vite". */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s"), folder,
                                               forge_framework_get_display_name (forge_monorepo_package_get_framework (app)));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), forge_monorepo_package_get_title (app));
  /* Names and folders are the repository's, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (current)
    {
      GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Current app"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
    }
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "project.use-app");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_string (folder));
  return row;
}

static void
clear_app_rows (ForgeProjectView *self)
{
  for (guint i = 0; i < self->app_rows->len; i++)
    adw_preferences_group_remove (self->apps_group, g_ptr_array_index (self->app_rows, i));
  g_ptr_array_set_size (self->app_rows, 0);
}

typedef struct
{
  ForgeProjectView *self;    /* weak */
  gboolean          only_to_choose;
} AppsListing;

static void
apps_listed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autofree AppsListing *listing = user_data;
  ForgeProjectView *self = listing->self;
  g_autoptr(GListModel) apps = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  guint n;

  apps = forge_preview_session_list_apps_finish (FORGE_PREVIEW_SESSION (object), result, &error);
  if (self == NULL)
    return;
  g_object_remove_weak_pointer (G_OBJECT (self), (gpointer *) &listing->self);
  if (apps == NULL)
    return;
  g_clear_object (&self->apps_cancellable);

  n = g_list_model_get_n_items (apps);
  /* After a failed run, only a choice to make is worth the page. */
  if (listing->only_to_choose && n < 2)
    return;

  clear_app_rows (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ForgeMonorepoPackage) app = g_list_model_get_item (apps, i);
      GtkWidget *row = make_app_row (app, g_strcmp0 (forge_monorepo_package_get_folder (app),
                                                     forge_project_get_package_dir (self->project)) == 0);

      adw_preferences_group_add (self->apps_group, row);
      g_ptr_array_add (self->app_rows, row);
    }

  if (n == 0)
    description = g_strdup (_("No folder of this repository’s workspaces has a dev script and a known web framework."));
  else if (listing->only_to_choose)
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "This repository has %u apps. Choose the one to preview; the project keeps it, and the project menu can change it.",
                                                "This repository has %u apps. Choose the one to preview; the project keeps it, and the project menu can change it.",
                                                n), n);
  else
    description = g_strdup (_("The project previews the app chosen here from now on."));
  adw_status_page_set_description (self->choose_app_page, description);

  /* A failed run has nothing to go back to but its error. */
  gtk_widget_set_visible (gtk_widget_get_next_sibling (GTK_WIDGET (self->apps_group)), !listing->only_to_choose);
  forge_preview_set_restoring (self->preview, FALSE);
  set_page (self, "choose-app");
}

/* Lists the clone's apps, then shows them; @only_to_choose: only when
 * there is a choice to make (two apps or more). */
static void
show_apps (ForgeProjectView *self,
           gboolean          only_to_choose)
{
  AppsListing *listing;

  if (self->session == NULL)
    return;

  g_cancellable_cancel (self->apps_cancellable);
  g_clear_object (&self->apps_cancellable);
  self->apps_cancellable = g_cancellable_new ();

  listing = g_new0 (AppsListing, 1);
  listing->self = self;
  listing->only_to_choose = only_to_choose;
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &listing->self);
  forge_preview_session_list_apps_async (self->session, self->apps_cancellable, apps_listed_cb, listing);
}

/* Whether the session's last run failed for want of a choice of app:
 * detection is where it says so. */
static gboolean
failed_at_detection (ForgeProjectView *self)
{
  const char *run_id = forge_preview_session_get_run_id (self->session);
  g_autoptr(ForgeRunInfo) info = run_id != NULL ? forge_preview_session_dup_run_info (self->session, run_id) : NULL;
  ForgeStepInfo *step = info != NULL ? forge_run_info_lookup_step (info, FORGE_STEP_DETECT_FRAMEWORK) : NULL;

  return step != NULL && forge_step_info_get_state (step) == FORGE_STEP_STATE_ERROR &&
         forge_project_get_package_dir (self->project) == NULL;
}

static void
update_elapsed (ForgeProjectView *self)
{
  g_autofree char *duration = forge_format_duration ((g_get_monotonic_time () - self->run_started_at) / 1000);
  /* Translators: how long the preview has been preparing, e.g. "12 s". */
  g_autofree char *text = g_strdup_printf (_("Elapsed: %s"), duration);

  gtk_label_set_text (self->elapsed_label, text);
}

static gboolean
elapsed_tick_cb (gpointer user_data)
{
  update_elapsed (user_data);
  return G_SOURCE_CONTINUE;
}

/* The clock ticks only while the preparing page shows. */
static void
visible_page_cb (ForgeProjectView *self)
{
  /* The stack goes in dispose, and may say so. */
  if (self->stack == NULL)
    {
      g_clear_handle_id (&self->elapsed_source, g_source_remove);
      return;
    }

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "preparing") == 0)
    {
      update_elapsed (self);
      if (self->elapsed_source == 0)
        self->elapsed_source = g_timeout_add_seconds (1, elapsed_tick_cb, self);
    }
  else
    g_clear_handle_id (&self->elapsed_source, g_source_remove);
}

static void
place_steps_view (ForgeProjectView *self,
                  GtkBox           *box)
{
  GtkWidget *steps = GTK_WIDGET (self->steps_view);
  GtkWidget *parent = gtk_widget_get_parent (steps);

  /* One list of steps, under whichever page shows the run. */
  if (parent == GTK_WIDGET (box))
    return;

  g_object_ref (steps);
  gtk_box_remove (GTK_BOX (parent), steps);
  gtk_box_append (box, steps);
  g_object_unref (steps);
}

/* A log line for the description: one line, of a readable length. */
static void
set_preparing_detail (ForgeProjectView *self,
                      const char       *text)
{
  g_autofree char *line = NULL;

  if (text == NULL)
    return;

  line = g_strstrip (g_strndup (text, strcspn (text, "\n")));
  if (*line == '\0')
    return;

  gtk_label_set_text (self->preparing_detail, line);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->preparing_detail), line);
}

/* The output behind the session's error, when it has one: a failed
 * restart's error has none of its own. */
static char *
dup_error_log_tail (ForgeProjectView *self)
{
  const char *run_id = forge_preview_session_get_run_id (self->session);
  g_autoptr(ForgeRunInfo) info = run_id ? forge_preview_session_dup_run_info (self->session, run_id) : NULL;

  if (info == NULL || forge_run_info_get_status (info) != FORGE_RUN_STATUS_FAILED ||
      g_strcmp0 (forge_run_info_get_error_message (info), forge_preview_session_get_error_message (self->session)) != 0)
    return NULL;

  return g_strdup (forge_run_info_get_error_log_tail (info));
}

static void
session_step_cb (ForgeProjectView *self,
                 const char       *run_id,
                 const char       *step_id,
                 ForgeStepState    state,
                 guint             attempt,
                 gint64            duration_ms,
                 const char       *error_message)
{
  /* The output behind an error goes to the failed page, not the row. */
  forge_steps_view_update (self->steps_view, step_id, state, attempt, duration_ms, error_message);

  if (state == FORGE_STEP_STATE_START)
    adw_status_page_set_title (self->preparing_page, forge_clone_and_preview_step_progress_title (step_id));
}

static void
session_progress_cb (ForgeProjectView *self,
                     const char       *run_id,
                     const char       *step_id,
                     double            fraction,
                     const char       *text)
{
  forge_steps_view_set_progress (self->steps_view, step_id, fraction, text);
  set_preparing_detail (self, text);
}

static void
session_log_cb (ForgeProjectView *self,
                const char       *run_id,
                const char       *stream,
                const char       *line)
{
  forge_log_view_append (self->log_view, stream, line);
  set_preparing_detail (self, line);
}

static void
session_server_log_cb (ForgeProjectView *self,
                       const char       *stream,
                       const char       *line)
{
  forge_log_view_append (self->log_view, stream, line);
}

static void
session_run_finished_cb (ForgeProjectView *self,
                         const char       *run_id,
                         ForgeRunStatus    status,
                         const char       *error_message)
{
  const char *url = forge_preview_session_get_preview_url (self->session);

  /* Failures and stops show through the state (session_state_cb). */
  if (status == FORGE_RUN_STATUS_COMPLETED && url != NULL)
    forge_project_view_show_preview (self, url);
  update_actions (self);
}

static void
session_sandbox_state_cb (ForgeProjectView  *self,
                          ForgeSandboxState  state,
                          const char        *url,
                          gint64             restart_ms)
{
  if (state == FORGE_SANDBOX_STATE_RESTARTING)
    {
      set_page (self, "preview");
      forge_preview_set_restoring (self->preview, TRUE);
    }
  else if (state == FORGE_SANDBOX_STATE_RESTORED)
    {
      /* Same path, new origin; only the web view reloads. */
      set_page (self, "preview");
      forge_preview_set_base_uri (self->preview, url, TRUE);
    }
  update_actions (self);
}

/* Also for a project from an earlier session of the app: it has not run
 * in this one yet. */
static void
show_idle (ForgeProjectView *self)
{
  const char *last_error = forge_project_get_last_error (self->project);

  if (last_error != NULL && forge_project_get_status (self->project) == FORGE_PROJECT_STATUS_FAILED)
    forge_project_view_show_failed (self, last_error, NULL);
  else
    forge_project_view_show_stopped (self, NULL);
}

static void
session_state_cb (ForgeProjectView *self)
{
  const char *message = forge_preview_session_get_error_message (self->session);

  switch (forge_preview_session_get_state (self->session))
    {
    case FORGE_PREVIEW_SESSION_STATE_IDLE:
      show_idle (self);
      break;

    case FORGE_PREVIEW_SESSION_STATE_STARTING:
      forge_project_view_begin_run (self);
      break;

    case FORGE_PREVIEW_SESSION_STATE_RESTORING:
      set_page (self, "preview");
      forge_preview_set_restoring (self->preview, TRUE);
      break;

    case FORGE_PREVIEW_SESSION_STATE_GAVE_UP:
      forge_project_view_show_gave_up (self, NULL);
      break;

    case FORGE_PREVIEW_SESSION_STATE_FAILED:
      {
        g_autofree char *log_tail = dup_error_log_tail (self);

        forge_project_view_show_failed (self, message, log_tail);
        if (failed_at_detection (self))
          show_apps (self, TRUE);
      }
      break;

    case FORGE_PREVIEW_SESSION_STATE_STOPPED:
      forge_project_view_show_stopped (self, message);
      break;

    case FORGE_PREVIEW_SESSION_STATE_RUNNING:
      /* run-finished or sandbox-state says at which path. */
    case FORGE_PREVIEW_SESSION_STATE_REMOVED:
    default:
      break;
    }

  update_actions (self);
}

static void
choose_app_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  show_apps (FORGE_PROJECT_VIEW (widget), FALSE);
}

static void
use_app_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (widget);
  g_autoptr(GError) error = NULL;

  if (self->session != NULL &&
      !forge_preview_session_choose_app (self->session, g_variant_get_string (parameter, NULL), &error))
    forge_project_view_show_failed (self, error->message, NULL);
}

/* Back to what the session shows: the preview, or its state's page. */
static void
leave_apps_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (widget);
  ForgePreviewSessionState state = self->session != NULL
    ? forge_preview_session_get_state (self->session) : FORGE_PREVIEW_SESSION_STATE_IDLE;

  if (state == FORGE_PREVIEW_SESSION_STATE_RUNNING || state == FORGE_PREVIEW_SESSION_STATE_RESTORING)
    set_page (self, "preview");
  else if (self->session != NULL)
    session_state_cb (self);
  else
    show_idle (self);
}

/* Try Again, Start: a new run of the workflow; its state shows it. */
static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (widget);
  g_autoptr(GError) error = NULL;

  if (self->session == NULL)
    return;

  if (!forge_preview_session_run (self->session, NULL, &error))
    forge_project_view_show_failed (self, error->message, NULL);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (widget);

  if (self->session != NULL)
    forge_preview_session_stop (self->session);
}

static void
restart_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (widget);

  if (self->session != NULL)
    forge_preview_session_restart (self->session);
}

/* The device the preview shows the page at is the project's: kept in
 * it as "ID[:landscape]". */
static void
restore_device (ForgeProjectView *self)
{
  const char *saved = forge_project_get_preview_device (self->project);
  g_auto(GStrv) parts = g_strsplit (saved != NULL ? saved : "responsive", ":", 2);

  forge_preview_set_device (self->preview, parts[0]);
  forge_preview_set_device_landscape (self->preview, parts[1] != NULL && g_str_equal (parts[1], "landscape"));
}

static void
save_device (ForgeProjectView *self)
{
  const char *device = forge_preview_get_device (self->preview);
  g_autofree char *saved = forge_preview_get_device_landscape (self->preview) && !g_str_equal (device, "responsive")
    ? g_strconcat (device, ":landscape", NULL)
    : g_strdup (device);

  forge_project_set_preview_device (self->project, saved);
}

static void
forge_project_view_constructed (GObject *object)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  G_OBJECT_CLASS (forge_project_view_parent_class)->constructed (object);

  if (self->session != NULL && self->project == NULL)
    self->project = g_object_ref (forge_preview_session_get_project (self->session));
  g_return_if_fail (FORGE_IS_PROJECT (self->project));

  forge_steps_view_reset (self->steps_view, forge_clone_and_preview_get_step_ids ());
  forge_environment_page_set_project (self->environment_page, self->project);
  forge_preview_set_menu_model (self->preview, self->sandbox_menu);

  restore_device (self);
  g_signal_connect_object (self->preview, "notify::device", G_CALLBACK (save_device), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->preview, "notify::device-landscape", G_CALLBACK (save_device), self, G_CONNECT_SWAPPED);

  if (self->session == NULL)
    {
      show_idle (self);
      update_actions (self);
      return;
    }

  g_signal_group_set_target (self->session_signals, self->session);

  /* Where the session already is: a run resumed at start-up shows its
   * steps, a live preview its page. */
  if (forge_preview_session_get_state (self->session) == FORGE_PREVIEW_SESSION_STATE_RUNNING &&
      forge_preview_session_get_preview_url (self->session) != NULL)
    forge_project_view_show_preview (self, forge_preview_session_get_preview_url (self->session));
  else
    session_state_cb (self);
  update_actions (self);
}

static void
forge_project_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_value_set_object (value, self->project);
      break;

    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_SHOW_LOG:
      g_value_set_boolean (value, forge_project_view_get_show_log (self));
      break;

    case PROP_SHOW_RUNS:
      g_value_set_boolean (value, forge_project_view_get_show_runs (self));
      break;

    case PROP_SHOW_ENVIRONMENT:
      g_value_set_boolean (value, forge_project_view_get_show_environment (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_set_object (&self->project, g_value_get_object (value));
      break;

    case PROP_SESSION:
      g_set_object (&self->session, g_value_get_object (value));
      break;

    case PROP_SHOW_LOG:
      forge_project_view_set_show_log (self, g_value_get_boolean (value));
      break;

    case PROP_SHOW_RUNS:
      forge_project_view_set_show_runs (self, g_value_get_boolean (value));
      break;

    case PROP_SHOW_ENVIRONMENT:
      forge_project_view_set_show_environment (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_project_view_dispose (GObject *object)
{
  ForgeProjectView *self = FORGE_PROJECT_VIEW (object);

  g_clear_handle_id (&self->elapsed_source, g_source_remove);
  g_cancellable_cancel (self->apps_cancellable);
  g_clear_object (&self->apps_cancellable);
  /* The rows are the group's, which the template disposes. */
  g_clear_pointer (&self->app_rows, g_ptr_array_unref);
  if (self->session_signals != NULL)
    g_signal_group_set_target (self->session_signals, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_PROJECT_VIEW);
  /* The template's root has no id, so dispose_template leaves it. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL; )
    gtk_widget_unparent (child);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->session);
  g_clear_object (&self->project);
  g_clear_pointer (&self->page_before_runs, g_free);

  G_OBJECT_CLASS (forge_project_view_parent_class)->dispose (object);
}

static void
forge_project_view_class_init (ForgeProjectViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = forge_project_view_constructed;
  object_class->get_property = forge_project_view_get_property;
  object_class->set_property = forge_project_view_set_property;
  object_class->dispose = forge_project_view_dispose;

  properties[PROP_PROJECT] =
    g_param_spec_object ("project", NULL, NULL, FORGE_TYPE_PROJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, FORGE_TYPE_PREVIEW_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_LOG] =
    g_param_spec_boolean ("show-log", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_RUNS] =
    g_param_spec_boolean ("show-runs", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_ENVIRONMENT] =
    g_param_spec_boolean ("show-environment", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (FORGE_TYPE_ENVIRONMENT_PAGE);
  g_type_ensure (FORGE_TYPE_LOG_VIEW);
  g_type_ensure (FORGE_TYPE_RUNS_VIEW);
  g_type_ensure (FORGE_TYPE_PREVIEW);
  g_type_ensure (FORGE_TYPE_STEPS_VIEW);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-project-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, sandbox_menu);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, paned);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, preparing_page);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, preparing_detail);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, elapsed_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, preparing_steps_box);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, steps_view);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, failed_page);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, log_tail_clamp);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, log_tail_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, failed_steps_box);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, choose_app_page);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, apps_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, stopped_page);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, gave_up_page);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, preview);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, log_view);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, runs_view);
  gtk_widget_class_bind_template_child (widget_class, ForgeProjectView, environment_page);
  gtk_widget_class_bind_template_callback (widget_class, preview_path_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_cb);
  gtk_widget_class_bind_template_callback (widget_class, place_log_divider);

  /* Each page's one primary action, and the sandbox menu's. */
  gtk_widget_class_install_action (widget_class, "project.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "project.retry", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "project.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "project.restart", NULL, restart_action);
  gtk_widget_class_install_action (widget_class, "sandbox.restart", NULL, restart_action);
  gtk_widget_class_install_action (widget_class, "sandbox.stop", NULL, cancel_action);
  /* A monorepo's app: the chooser, a choice, and back. */
  gtk_widget_class_install_action (widget_class, "project.choose-app", NULL, choose_app_action);
  gtk_widget_class_install_action (widget_class, "project.use-app", "s", use_app_action);
  gtk_widget_class_install_action (widget_class, "project.leave-apps", NULL, leave_apps_action);
  /* Stateful: a menu shows them checked, toggle buttons pressed. */
  gtk_widget_class_install_property_action (widget_class, "project.show-log", "show-log");
  gtk_widget_class_install_property_action (widget_class, "project.show-runs", "show-runs");
  gtk_widget_class_install_property_action (widget_class, "project.show-environment", "show-environment");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "project.show-log", NULL);
}

static void
forge_project_view_init (ForgeProjectView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->app_rows = g_ptr_array_new ();

  /* Its session's news, for as long as the view shows it. */
  self->session_signals = g_signal_group_new (FORGE_TYPE_PREVIEW_SESSION);
  g_signal_group_connect_object (self->session_signals, "step", G_CALLBACK (session_step_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "progress", G_CALLBACK (session_progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "log", G_CALLBACK (session_log_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "server-log", G_CALLBACK (session_server_log_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "run-finished", G_CALLBACK (session_run_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "sandbox-state", G_CALLBACK (session_sandbox_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::state", G_CALLBACK (session_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::has-active-run", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
}

GtkWidget *
forge_project_view_new (ForgeProject *project)
{
  g_return_val_if_fail (FORGE_IS_PROJECT (project), NULL);

  return g_object_new (FORGE_TYPE_PROJECT_VIEW, "project", project, NULL);
}

GtkWidget *
forge_project_view_new_for_session (ForgePreviewSession *session)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (session), NULL);

  return g_object_new (FORGE_TYPE_PROJECT_VIEW, "session", session, NULL);
}

ForgeProject *
forge_project_view_get_project (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->project;
}

ForgePreviewSession *
forge_project_view_get_session (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->session;
}

ForgePreview *
forge_project_view_get_preview (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->preview;
}

ForgeStepsView *
forge_project_view_get_steps_view (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->steps_view;
}

ForgeLogView *
forge_project_view_get_log_view (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->log_view;
}

const char *
forge_project_view_get_page (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

void
forge_project_view_begin_run (ForgeProjectView *self)
{
  const char *run_id;

  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  forge_steps_view_reset (self->steps_view, forge_clone_and_preview_get_step_ids ());
  forge_environment_page_set_project (self->environment_page, self->project);
  place_steps_view (self, self->preparing_steps_box);
  forge_log_view_clear (self->log_view);
  adw_status_page_set_title (self->preparing_page, _("Preparing Preview…"));
  gtk_label_set_text (self->preparing_detail, "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->preparing_detail), NULL);

  /* A run resumed at start-up began before this view. */
  self->run_started_at = g_get_monotonic_time ();
  run_id = self->session ? forge_preview_session_get_run_id (self->session) : NULL;
  if (run_id != NULL)
    {
      g_autoptr(ForgeRunInfo) info = forge_preview_session_dup_run_info (self->session, run_id);
      gint64 age_ms = info ? g_get_real_time () / 1000 - forge_run_info_get_created_at (info) : 0;

      if (age_ms > 0)
        self->run_started_at -= age_ms * 1000;
    }

  forge_preview_set_restoring (self->preview, FALSE);
  set_page (self, "preparing");
  update_elapsed (self);
}

void
forge_project_view_show_preview (ForgeProjectView *self,
                                 const char       *url)
{
  g_autofree char *last_path = NULL;

  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));
  g_return_if_fail (url != NULL);

  set_page (self, "preview");

  /* A copy: loading the base URI saves its path ("/") as the project's
   * last path (preview_path_changed_cb), which frees the old string. */
  last_path = g_strdup (forge_project_get_last_path (self->project));
  forge_preview_set_base_uri (self->preview, url, FALSE);
  if (last_path != NULL && !g_str_equal (last_path, "/"))
    forge_preview_navigate (self->preview, last_path);
}

void
forge_project_view_show_failed (ForgeProjectView *self,
                                const char       *message,
                                const char       *log_tail)
{
  g_autofree char *cause = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *tail = NULL;

  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  /* The cause is one line; what follows it belongs to the tail. */
  if (message != NULL)
    cause = g_strstrip (g_strndup (message, strcspn (message, "\n")));
  if (cause == NULL || *cause == '\0')
    {
      g_free (cause);
      cause = g_strdup (_("Something went wrong."));
    }
  escaped = g_markup_escape_text (cause, -1);
  adw_status_page_set_description (self->failed_page, escaped);

  tail = g_strdup (log_tail ? log_tail : "");
  g_strchomp (tail);
  gtk_label_set_text (self->log_tail_label, tail);
  gtk_widget_set_visible (self->log_tail_clamp, *tail != '\0');

  /* The steps, when this session ran any: those it never reached did
   * not run. */
  forge_steps_view_skip_unreached (self->steps_view);
  place_steps_view (self, self->failed_steps_box);
  gtk_widget_set_visible (GTK_WIDGET (self->failed_steps_box),
                          forge_steps_view_get_any_reached (self->steps_view));

  forge_preview_set_restoring (self->preview, FALSE);
  set_page (self, "failed");
}

void
forge_project_view_show_stopped (ForgeProjectView *self,
                                 const char       *message)
{
  g_autofree char *escaped = NULL;

  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  escaped = g_markup_escape_text (message ? message : _("Start it to run its dev server and see the preview here."), -1);
  adw_status_page_set_description (self->stopped_page, escaped);
  forge_preview_set_restoring (self->preview, FALSE);
  set_page (self, "stopped");
}

void
forge_project_view_show_gave_up (ForgeProjectView *self,
                                 const char       *message)
{
  g_autofree char *escaped = NULL;

  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  escaped = g_markup_escape_text (message ? message : _("It stopped right after it started, again and again, so automatic restarts are off. Check the log, then restart it."), -1);
  adw_status_page_set_description (self->gave_up_page, escaped);
  forge_preview_set_restoring (self->preview, FALSE);
  set_page (self, "gave-up");
}

/* A first look gives the log a third of the height; after that the
 * divider stays where it was left. Also once the view has a size, when
 * the log was asked for before. */
static void
place_log_divider (ForgeProjectView *self)
{
  int height;

  if (self->paned == NULL || self->log_view == NULL || self->log_position_set ||
      !forge_project_view_get_show_log (self))
    return;

  height = gtk_widget_get_height (GTK_WIDGET (self->paned));
  if (height <= 0)
    return;

  gtk_paned_set_position (self->paned, height - MAX (height / 3, 160));
  self->log_position_set = TRUE;
}

gboolean
forge_project_view_get_show_log (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->log_view));
}

void
forge_project_view_set_show_log (ForgeProjectView *self,
                                 gboolean          show_log)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  show_log = !!show_log;
  if (show_log == forge_project_view_get_show_log (self))
    return;

  gtk_widget_set_visible (GTK_WIDGET (self->log_view), show_log);
  if (show_log)
    {
      place_log_divider (self);
      forge_log_view_scroll_to_end (self->log_view);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_LOG]);
}

ForgeRunsView *
forge_project_view_get_runs_view (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->runs_view;
}

gboolean
forge_project_view_get_show_runs (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "runs") == 0;
}

void
forge_project_view_set_show_runs (ForgeProjectView *self,
                                  gboolean          show_runs)
{
  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  if (!!show_runs == forge_project_view_get_show_runs (self))
    return;

  if (show_runs)
    {
      gboolean showed_environment = forge_project_view_get_show_environment (self);

      /* One page under both: the environment does not come back. */
      if (!showed_environment)
        {
          g_free (self->page_before_runs);
          self->page_before_runs = g_strdup (gtk_stack_get_visible_child_name (self->stack));
        }
      gtk_stack_set_visible_child_name (self->stack, "runs");
      if (showed_environment)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_ENVIRONMENT]);
    }
  else
    gtk_stack_set_visible_child_name (self->stack, self->page_before_runs ? self->page_before_runs : "stopped");

  refresh_runs (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_RUNS]);
}

AdwStatusPage *
forge_project_view_get_status_page (ForgeProjectView *self,
                                    const char       *name)
{
  GtkWidget *page;

  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  page = gtk_stack_get_child_by_name (self->stack, name);
  return ADW_IS_STATUS_PAGE (page) ? ADW_STATUS_PAGE (page) : NULL;
}

GtkLabel *
forge_project_view_get_preparing_detail (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->preparing_detail;
}

GtkLabel *
forge_project_view_get_elapsed_label (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->elapsed_label;
}

GtkLabel *
forge_project_view_get_log_tail_label (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->log_tail_label;
}

gboolean
forge_project_view_get_show_environment (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "environment") == 0;
}

/* Shown over whatever page was there, which comes back when it goes. */
void
forge_project_view_set_show_environment (ForgeProjectView *self,
                                         gboolean          show_environment)
{
  gboolean showed_runs;

  g_return_if_fail (FORGE_IS_PROJECT_VIEW (self));

  if (!!show_environment == forge_project_view_get_show_environment (self))
    return;

  showed_runs = forge_project_view_get_show_runs (self);
  if (show_environment)
    {
      if (!showed_runs)
        {
          g_free (self->page_before_runs);
          self->page_before_runs = g_strdup (gtk_stack_get_visible_child_name (self->stack));
        }
      gtk_stack_set_visible_child_name (self->stack, "environment");
      if (showed_runs)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_RUNS]);
    }
  else
    gtk_stack_set_visible_child_name (self->stack, self->page_before_runs ? self->page_before_runs : "stopped");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_ENVIRONMENT]);
}

ForgeEnvironmentPage *
forge_project_view_get_environment_page (ForgeProjectView *self)
{
  g_return_val_if_fail (FORGE_IS_PROJECT_VIEW (self), NULL);
  return self->environment_page;
}
