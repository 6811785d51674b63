/* test-window-shell.c
 *
 * The window's shell, in real windows under Xvfb: selecting a project
 * shows it and starts nothing, activating starts it, reopening a running
 * one leaves it running; the states after a restart of the app; the
 * shortcuts from the sidebar; the narrowest width; a name for every
 * control.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "e2e-util.h"
#include "forge-application.h"
#include "forge-open-dialog.h"
#include "forge-preview-private.h"
#include "forge-project-row.h"
#include "forge-util.h"
#include "forge-window.h"
#include "git-test-util.h"

/* A GApplication registers once per process: the tests share one. */
static ForgeApplication *the_app;
static char *xdg_root;
static char *repos_root;
/* Saved by an "earlier run of the app" before this one started. */
static char *saved_a_id;
static char *saved_b_id;

#define wait_for forge_test_wait_for

/* Lets the window lay itself out. */
static void
settle (void)
{
  for (guint i = 0; i < 50; i++)
    {
      gint64 until = g_get_monotonic_time () + 20 * 1000;

      /* A spinner keeps frames coming, and on a busy machine software
       * rendering takes longer than a frame: never wait for none. */
      while (g_main_context_iteration (NULL, FALSE) && g_get_monotonic_time () < until)
        ;
      g_usleep (2000);
    }
}

static ForgeWindow *
new_window (int width,
            int height)
{
  ForgeWindow *window = forge_window_new (the_app);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  settle ();
  return window;
}

static GtkWidget *
find_child (GtkWidget  *root,
            GType       type,
            const char *buildable_id)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) &&
      (buildable_id == NULL || g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), buildable_id) == 0))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_child (child, type, buildable_id);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkListBox *
projects_list (ForgeWindow *window)
{
  GtkWidget *list = find_child (GTK_WIDGET (window), GTK_TYPE_LIST_BOX, "projects_list");

  g_assert_nonnull (list);
  g_assert_nonnull (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0));
  g_assert_true (FORGE_IS_PROJECT_ROW (gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0)));
  return GTK_LIST_BOX (list);
}

static ForgeProjectRow *
row_for (ForgeWindow *window,
         const char  *project_id)
{
  GtkListBox *list = projects_list (window);

  for (guint i = 0; ; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, i);

      if (row == NULL)
        return NULL;
      if (g_strcmp0 (forge_project_row_get_project_id (FORGE_PROJECT_ROW (row)), project_id) == 0)
        return FORGE_PROJECT_ROW (row);
    }
}

static const char *
visible_project_id (ForgeWindow *window)
{
  ForgeProjectView *view = forge_window_get_visible_project_view (window);

  return view != NULL ? forge_project_get_id (forge_project_view_get_project (view)) : NULL;
}

static GtkStack *
main_stack (ForgeWindow *window)
{
  GtkWidget *stack = find_child (GTK_WIDGET (window), GTK_TYPE_STACK, "main_stack");

  g_assert_nonnull (stack);
  return GTK_STACK (stack);
}

static guint
n_active_runs (void)
{
  return forge_workflow_engine_get_n_active (forge_application_get_engine (the_app));
}

static gboolean
no_active_runs (gpointer data)
{
  return n_active_runs () == 0;
}

static void
stop_everything (void)
{
  ForgeApplication *app = the_app;

  forge_workflow_engine_cancel_all (forge_application_get_engine (app));
  g_assert_true (wait_for (no_active_runs, NULL, 60));
  forge_sandbox_manager_stop_all (forge_application_get_manager (app));
  g_assert_true (forge_test_wait_no_processes (xdg_root, 5000));
}

/* After a restart of the app: saved projects are Stopped (their saved
 * status says "deployed", but nothing of theirs runs), the last one
 * viewed is on screen, and nothing started. */
static void
test_restart_states (void)
{
  GSettings *settings = forge_application_get_settings (the_app);
  ForgeWindow *window;

  g_settings_set_string (settings, "last-project-id", saved_b_id);
  window = new_window (1100, 720);

  g_assert_cmpstr (forge_project_row_get_state_label (row_for (window, saved_a_id)), ==, "Stopped");
  g_assert_cmpstr (forge_project_row_get_state_label (row_for (window, saved_b_id)), ==, "Stopped");
  g_assert_cmpstr (visible_project_id (window), ==, saved_b_id);
  g_assert_true (gtk_list_box_get_selected_row (projects_list (window)) == GTK_LIST_BOX_ROW (row_for (window, saved_b_id)));
  settle ();
  g_assert_cmpuint (n_active_runs (), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));

  /* No project remembered: never "No Project Open" beside a list. */
  g_settings_set_string (settings, "last-project-id", "");
  window = new_window (1100, 720);
  g_assert_null (forge_window_get_visible_project_view (window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "select");
  g_assert_cmpuint (n_active_runs (), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
session_starting (gpointer data)
{
  ForgePreviewSession *session = data;

  return forge_preview_session_has_active_run (session) ||
         forge_preview_session_get_state (session) != FORGE_PREVIEW_SESSION_STATE_IDLE;
}

/* Arrows (the list's move-cursor binding) and selection show a project;
 * only activation (Enter: the row's activate binding) starts it. */
static void
test_selection_is_not_starting (void)
{
  ForgeContext *context = forge_application_get_context (the_app);
  ForgeWindow *window = new_window (1100, 720);
  GtkListBox *list = projects_list (window);
  ForgeProjectRow *row_a = row_for (window, saved_a_id);
  ForgeProjectRow *row_b = row_for (window, saved_b_id);
  ForgePreviewSession *session_a;
  gboolean moved = FALSE;

  gtk_widget_grab_focus (GTK_WIDGET (row_a));
  gtk_list_box_select_row (list, GTK_LIST_BOX_ROW (row_a));
  g_assert_cmpstr (visible_project_id (window), ==, saved_a_id);

  /* Down and up again, as the arrow keys do. */
  g_signal_emit_by_name (list, "move-cursor", GTK_MOVEMENT_DISPLAY_LINES, 1, FALSE, FALSE, &moved);
  g_assert_true (gtk_list_box_get_selected_row (list) != GTK_LIST_BOX_ROW (row_a));
  g_assert_nonnull (visible_project_id (window));
  g_signal_emit_by_name (list, "move-cursor", GTK_MOVEMENT_DISPLAY_LINES, -1, FALSE, FALSE, &moved);
  gtk_list_box_select_row (list, GTK_LIST_BOX_ROW (row_b));
  g_assert_cmpstr (visible_project_id (window), ==, saved_b_id);
  settle ();

  g_assert_cmpuint (n_active_runs (), ==, 0);
  for (guint i = 0; gtk_list_box_get_row_at_index (list, i) != NULL; i++)
    {
      ForgeProjectRow *row = FORGE_PROJECT_ROW (gtk_list_box_get_row_at_index (list, i));
      ForgePreviewSession *session = forge_context_lookup_session (context, forge_project_row_get_project_id (row));

      g_assert_cmpstr (forge_project_row_get_state_label (row), ==, "Stopped");
      if (session != NULL)
        {
          g_assert_false (forge_preview_session_has_active_run (session));
          g_assert_cmpint (forge_preview_session_get_state (session), ==, FORGE_PREVIEW_SESSION_STATE_IDLE);
        }
    }

  /* Enter on a row starts it. */
  session_a = forge_context_lookup_session (context, saved_a_id);
  g_assert_nonnull (session_a);
  g_signal_emit_by_name (row_a, "activate");
  g_assert_true (wait_for (session_starting, session_a, 10));
  g_assert_cmpstr (visible_project_id (window), ==, saved_a_id);
  g_assert_cmpstr (forge_project_row_get_state_label (row_a), !=, "Stopped");
  g_assert_false (forge_preview_session_has_active_run (forge_context_lookup_session (context, saved_b_id)));

  gtk_window_destroy (GTK_WINDOW (window));
  stop_everything ();
}

typedef struct
{
  ForgeWindow *window;
} Lookup;

static gboolean
preview_loaded (gpointer data)
{
  Lookup *lookup = data;
  ForgeProjectView *view = forge_window_get_visible_project_view (lookup->window);

  return view != NULL &&
         forge_preview_get_state (forge_project_view_get_preview (view)) == FORGE_PREVIEW_STATE_LOADED;
}

/* Opening a running project (again, or through Start) shows it: no new
 * run, the same server. */
static void
test_reopen_running_project (void)
{
  g_autofree char *parent = g_build_filename (repos_root, "c", NULL);
  g_autofree char *repo = (g_mkdir_with_parents (parent, 0700), forge_test_repo_from_fixture (parent, "static-site"));
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *run_id = NULL;
  g_autofree char *preview_url = NULL;
  ForgeWindow *window = new_window (1100, 720);
  ForgePreviewSession *session;
  Lookup lookup = { window };

  g_assert_true (forge_window_open_repository (window, url));
  g_assert_true (wait_for (preview_loaded, &lookup, 120));
  session = forge_project_view_get_session (forge_window_get_visible_project_view (window));
  g_assert_cmpint (forge_preview_session_get_state (session), ==, FORGE_PREVIEW_SESSION_STATE_RUNNING);
  g_assert_cmpstr (forge_project_row_get_state_label (row_for (window, forge_preview_session_get_project_id (session))), ==, "Running");
  run_id = g_strdup (forge_preview_session_get_run_id (session));
  preview_url = g_strdup (forge_preview_session_get_preview_url (session));

  /* Somewhere else first, then open it again. */
  gtk_list_box_select_row (projects_list (window), GTK_LIST_BOX_ROW (row_for (window, saved_a_id)));
  g_assert_cmpstr (visible_project_id (window), ==, saved_a_id);
  g_assert_true (forge_window_open_repository (window, url));
  g_assert_cmpstr (visible_project_id (window), ==, forge_preview_session_get_project_id (session));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-project", "s",
                                             forge_preview_session_get_project_id (session)));
  g_signal_emit_by_name (row_for (window, forge_preview_session_get_project_id (session)), "activate");
  settle ();

  g_assert_false (forge_preview_session_has_active_run (session));
  g_assert_cmpuint (n_active_runs (), ==, 0);
  g_assert_cmpstr (forge_preview_session_get_run_id (session), ==, run_id);
  g_assert_cmpstr (forge_preview_session_get_preview_url (session), ==, preview_url);
  g_assert_cmpint (forge_preview_session_get_state (session), ==, FORGE_PREVIEW_SESSION_STATE_RUNNING);

  forge_window_remove_project (window, forge_preview_session_get_project_id (session));
  gtk_window_destroy (GTK_WINDOW (window));
  stop_everything ();
}

/* Key presses cannot be synthesized in GTK 4 without XTest, so this runs
 * GTK's own shortcut dispatch by hand: the shortcut controllers from the
 * window down to the focus widget in the capture phase, then back up in
 * the bubble phase; the first shortcut whose trigger is the key and whose
 * action activates wins, as for a real key press. Key controllers that
 * could eat the key (a web view's) are not modelled. */
static gboolean
trigger_matches (GtkShortcutTrigger *trigger,
                 GtkShortcutTrigger *wanted)
{
  if (GTK_IS_ALTERNATIVE_TRIGGER (trigger))
    return trigger_matches (gtk_alternative_trigger_get_first (GTK_ALTERNATIVE_TRIGGER (trigger)), wanted) ||
           trigger_matches (gtk_alternative_trigger_get_second (GTK_ALTERNATIVE_TRIGGER (trigger)), wanted);
  return gtk_shortcut_trigger_equal (trigger, wanted);
}

static gboolean
run_controllers (GtkWidget          *widget,
                 GtkPropagationPhase phase,
                 GtkShortcutTrigger *wanted)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller) ||
          gtk_event_controller_get_propagation_phase (controller) != phase)
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (trigger_matches (gtk_shortcut_get_trigger (shortcut), wanted) &&
              gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut), 0, widget,
                                            gtk_shortcut_get_arguments (shortcut)))
            return TRUE;
        }
    }

  return FALSE;
}

static gboolean
press (ForgeWindow *window,
       const char  *accelerator)
{
  g_autoptr(GtkShortcutTrigger) wanted = gtk_shortcut_trigger_parse_string (accelerator);
  g_autoptr(GPtrArray) path = g_ptr_array_new ();
  gboolean handled = FALSE;

  g_assert_nonnull (wanted);
  for (GtkWidget *w = gtk_root_get_focus (GTK_ROOT (window)); w != NULL; w = gtk_widget_get_parent (w))
    g_ptr_array_add (path, w);
  if (path->len == 0)
    g_ptr_array_add (path, window);

  for (guint i = path->len; i > 0 && !handled; i--)
    handled = run_controllers (path->pdata[i - 1], GTK_PHASE_CAPTURE, wanted);
  for (guint i = 0; i < path->len && !handled; i++)
    handled = run_controllers (path->pdata[i], GTK_PHASE_BUBBLE, wanted);

  settle ();
  return handled;
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  guint *requests = user_data;
  const char *body = "<html><body><a href='/next'>next</a></body></html>";

  (*requests)++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, body, strlen (body));
}

typedef struct
{
  guint        *requests;
  guint         wanted;
  ForgePreview *preview;
  const char   *path;
} PreviewWait;

static gboolean
requests_reached (gpointer data)
{
  PreviewWait *wait = data;

  return *wait->requests >= wait->wanted &&
         forge_preview_get_state (wait->preview) == FORGE_PREVIEW_STATE_LOADED;
}

static gboolean
loaded_at (gpointer data)
{
  PreviewWait *wait = data;

  return forge_preview_get_state (wait->preview) == FORGE_PREVIEW_STATE_LOADED &&
         g_strcmp0 (forge_preview_get_path (wait->preview), wait->path) == 0;
}

static gboolean
focus_within (ForgeWindow *window,
              GtkWidget   *ancestor)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));

  return focus != NULL && (focus == ancestor || gtk_widget_is_ancestor (focus, ancestor));
}

static GtkWidget *
first_row_focused (ForgeWindow *window)
{
  GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (projects_list (window), 0));

  g_assert_true (gtk_widget_grab_focus (row));
  g_assert_true (focus_within (window, row));
  return row;
}

/* Every shortcut works with the focus in the sidebar. */
static gboolean
inspector_open (gpointer data)
{
  return webkit_web_inspector_get_web_view (data) != NULL;
}

static void
test_shortcuts_from_sidebar (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  g_autofree char *base = NULL;
  guint requests = 0;
  ForgeWindow *window;
  ForgePreview *preview;
  ForgeProjectView *view;
  PreviewWait wait = { &requests };
  GList *toplevels;
  gboolean dialog_seen = FALSE;

  soup_server_add_handler (server, NULL, server_cb, &requests, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_settings_set_string (forge_application_get_settings (the_app), "last-project-id", "");
  window = new_window (1100, 720);

  /* The bare preview page, with the focus on a sidebar row. */
  forge_window_show_uri (window, base);
  preview = FORGE_PREVIEW (gtk_stack_get_visible_child (main_stack (window)));
  wait.preview = preview;
  wait.wanted = 1;
  g_assert_true (wait_for (requests_reached, &wait, 20));
  wait.path = "/next";
  forge_preview_navigate (preview, "/next");
  g_assert_true (wait_for (loaded_at, &wait, 20));
  first_row_focused (window);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (main_stack (window)), ==, "uri");

  /* Reload: one more request. */
  wait.wanted = requests + 1;
  g_assert_true (press (window, "F5"));
  g_assert_true (wait_for (requests_reached, &wait, 20));
  first_row_focused (window);
  wait.wanted = requests + 1;
  g_assert_true (press (window, "<Control>r"));
  g_assert_true (wait_for (requests_reached, &wait, 20));

  /* Back and forward. */
  first_row_focused (window);
  wait.path = "/";
  g_assert_true (press (window, "<Alt>Left"));
  g_assert_true (wait_for (loaded_at, &wait, 20));
  first_row_focused (window);
  wait.path = "/next";
  g_assert_true (press (window, "<Alt>Right"));
  g_assert_true (wait_for (loaded_at, &wait, 20));

  /* The address. */
  first_row_focused (window);
  g_assert_true (press (window, "<Control>l"));
  g_assert_true (focus_within (window, GTK_WIDGET (forge_preview_get_path_entry (preview))));

  /* The inspector, from the sidebar too. */
  first_row_focused (window);
  {
    WebKitWebInspector *inspector = webkit_web_view_get_inspector (forge_preview_get_web_view (preview));

    g_assert_true (press (window, "<Control><Shift>i"));
    g_assert_true (wait_for (inspector_open, inspector, 20));
    webkit_web_inspector_close (inspector);
  }

  /* A project's log: shown, then searched. */
  gtk_list_box_select_row (projects_list (window), gtk_list_box_get_row_at_index (projects_list (window), 0));
  view = forge_window_get_visible_project_view (window);
  g_assert_nonnull (view);
  first_row_focused (window);
  g_assert_false (forge_project_view_get_show_log (view));
  g_assert_true (press (window, "<Control><Shift>l"));
  g_assert_true (forge_project_view_get_show_log (view));
  first_row_focused (window);
  g_assert_true (press (window, "<Control><Shift>l"));
  g_assert_false (forge_project_view_get_show_log (view));
  first_row_focused (window);
  g_assert_true (press (window, "<Control>f"));
  g_assert_true (forge_project_view_get_show_log (view));
  g_assert_true (focus_within (window, GTK_WIDGET (forge_project_view_get_log_view (view))));

  /* Open Repository. */
  first_row_focused (window);
  g_assert_true (press (window, "<Control>o"));
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (FORGE_IS_OPEN_DIALOG (l->data))
      {
        dialog_seen = TRUE;
        gtk_window_destroy (l->data);
      }
  g_list_free (toplevels);
  g_assert_true (dialog_seen);

  /* The Shortcuts window lists what the app binds. */
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (the_app), "win.open");

    g_assert_cmpstr (accels[0], ==, "<Control>o");
  }

  g_assert_cmpuint (n_active_runs (), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
  soup_server_disconnect (server);
}

static gboolean
window_width_is (gpointer data)
{
  GtkWidget *window = ((gpointer *) data)[0];
  int width = GPOINTER_TO_INT (((gpointer *) data)[1]);

  return gtk_widget_get_width (window) == width;
}

/* The window @width px wide inside its frame (the default size counts
 * the client-side decorations' margins, the width does not). */
static void
resize (ForgeWindow *window,
        int          width)
{
  gpointer data[2] = { window, GINT_TO_POINTER (width) };
  int default_width = 0, default_height = 0;
  int frame;

  gtk_window_get_default_size (GTK_WINDOW (window), &default_width, &default_height);
  frame = default_width - gtk_widget_get_width (GTK_WIDGET (window));
  g_assert_cmpint (frame, >=, 0);
  gtk_window_set_default_size (GTK_WINDOW (window), width + frame, 720);
  if (!wait_for (window_width_is, data, 10))
    g_error ("the window is %d px wide, not %d", gtk_widget_get_width (GTK_WIDGET (window)), width);
  settle ();
}

/* Shown, with room for all of it, inside the window. */
static void
assert_on_screen (ForgeWindow *window,
                  GtkWidget   *widget)
{
  graphene_rect_t bounds;

  g_assert_true (gtk_widget_get_mapped (widget));
  g_assert_true (gtk_widget_compute_bounds (widget, GTK_WIDGET (window), &bounds));
  g_assert_cmpfloat (bounds.size.width, >=, 1);
  g_assert_cmpfloat (bounds.origin.x, >=, 0);
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (GTK_WIDGET (window)));
  g_assert_cmpint (gtk_widget_get_width (widget), >=, 1);
}

/* The page's primary actions (suggested-action buttons) are on screen. */
static guint
assert_primary_actions_on_screen (ForgeWindow *window,
                                  GtkWidget   *root)
{
  guint n = 0;

  if (!gtk_widget_get_mapped (root))
    return 0;
  if (GTK_IS_BUTTON (root) && gtk_widget_has_css_class (root, "suggested-action"))
    {
      assert_on_screen (window, root);
      n++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL; child = gtk_widget_get_next_sibling (child))
    n += assert_primary_actions_on_screen (window, child);
  return n;
}

static gboolean
menu_has_action (GMenuModel *menu,
                 const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) && g_str_equal (name, action))
        return TRUE;
      if (section != NULL && menu_has_action (section, action))
        return TRUE;
    }
  return FALSE;
}

/* The window's own measure adds its frame (client-side shadows): what
 * must fit is what it holds. */
static int
content_minimum (ForgeWindow *window)
{
  GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));
  int minimum = 0;

  gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_assert_cmpint (gtk_widget_get_width (content), <=, 360);
  return minimum;
}

static void
test_narrow_window (void)
{
  ForgeWindow *window;
  AdwLeaflet *leaflet;
  ForgePreview *preview;
  int minimum = 0;

  g_settings_set_string (forge_application_get_settings (the_app), "last-project-id", saved_a_id);
  window = new_window (1100, 720);
  leaflet = ADW_LEAFLET (find_child (GTK_WIDGET (window), ADW_TYPE_LEAFLET, NULL));
  g_assert_false (adw_leaflet_get_folded (leaflet));
  preview = forge_project_view_get_preview (forge_window_get_visible_project_view (window));

  resize (window, 360);
  minimum = content_minimum (window);
  g_assert_cmpint (minimum, <=, 360);
  g_assert_true (adw_leaflet_get_folded (leaflet));

  /* The project on screen, with the way back to the list. */
  g_assert_cmpstr (visible_project_id (window), ==, saved_a_id);
  assert_on_screen (window, find_child (GTK_WIDGET (window), GTK_TYPE_BUTTON, "back_button"));
  assert_primary_actions_on_screen (window, GTK_WIDGET (window));

  /* The bare preview: Copy and Open in Browser went into the menu. */
  forge_window_show_uri (window, "http://127.0.0.1:9/");
  settle ();
  preview = FORGE_PREVIEW (gtk_stack_get_visible_child (main_stack (window)));
  g_assert_true (forge_preview_get_narrow (preview));
  g_assert_true (menu_has_action (forge_preview_get_menu (preview), "preview.copy-url"));
  g_assert_true (menu_has_action (forge_preview_get_menu (preview), "preview.open-external"));
  assert_on_screen (window, find_child (GTK_WIDGET (preview), GTK_TYPE_BUTTON, "reload_button"));
  assert_on_screen (window, find_child (GTK_WIDGET (preview), GTK_TYPE_MENU_BUTTON, "menu_button"));
  minimum = content_minimum (window);
  g_assert_cmpint (minimum, <=, 360);

  /* The list, and from it the way to open a repository. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-sidebar", NULL));
  settle ();
  assert_on_screen (window, find_child (GTK_WIDGET (window), GTK_TYPE_BUTTON, "open_button"));
  assert_on_screen (window, GTK_WIDGET (gtk_list_box_get_row_at_index (projects_list (window), 0)));
  minimum = content_minimum (window);
  g_assert_cmpint (minimum, <=, 360);

  /* Wide again: two panes, the buttons back in the toolbar. */
  resize (window, 1100);
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_false (forge_preview_get_narrow (preview));
  g_assert_false (menu_has_action (forge_preview_get_menu (preview), "preview.copy-url"));
  assert_on_screen (window, find_child (GTK_WIDGET (preview), GTK_TYPE_BUTTON, "copy_button"));

  g_assert_cmpuint (n_active_runs (), ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A screen reader needs a name for every control it can reach. GTK 4.8
 * has no getter for the computed name, so a control counts as named when
 * its label was set (gtk_test_accessible_has_property) or it is labelled
 * by another widget than its own child (GtkButton points at its child,
 * even an icon, by itself), or, for
 * the roles whose name comes from their contents (buttons, menu items,
 * rows, check boxes), when it holds a label with text (GtkLabel's text,
 * which has no mnemonic underscore). Tooltips do not count: GTK 4.8 does
 * not turn them into names. Only what is on screen (mapped) is walked;
 * no underscore can leak this way (a label's text has none, and the
 * labels set in code and .ui files are checked by eye: 4.8 cannot read
 * them back). */
static gboolean
is_control (GtkWidget *widget)
{
  switch ((int) gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget)))
    {
    case GTK_ACCESSIBLE_ROLE_BUTTON:
    case GTK_ACCESSIBLE_ROLE_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_COMBO_BOX:
    case GTK_ACCESSIBLE_ROLE_LINK:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM_RADIO:
    case GTK_ACCESSIBLE_ROLE_RADIO:
    case GTK_ACCESSIBLE_ROLE_SEARCH_BOX:
    case GTK_ACCESSIBLE_ROLE_SLIDER:
    case GTK_ACCESSIBLE_ROLE_SPIN_BUTTON:
    case GTK_ACCESSIBLE_ROLE_SWITCH:
    case GTK_ACCESSIBLE_ROLE_TAB:
    case GTK_ACCESSIBLE_ROLE_TEXT_BOX:
      return TRUE;
    default:
      break;
    }

  /* Rows a person can pick or activate. */
  if (GTK_IS_LIST_BOX_ROW (widget) && gtk_widget_get_focusable (widget))
    {
      GtkWidget *list = gtk_widget_get_parent (widget);

      return gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (widget)) ||
             (GTK_IS_LIST_BOX (list) && gtk_list_box_get_selection_mode (GTK_LIST_BOX (list)) != GTK_SELECTION_NONE);
    }

  return FALSE;
}

static gboolean
name_from_contents (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_POPOVER (child) || !gtk_widget_get_visible (child))
        continue;
      if (GTK_IS_LABEL (child) && *gtk_label_get_text (GTK_LABEL (child)) != '\0')
        return TRUE;
      if (name_from_contents (child))
        return TRUE;
    }
  return FALSE;
}

/* GtkButton makes itself labelled by its child, whatever the child is
 * (an icon has no name): that one says nothing of itself. */
static gboolean
labelled_by_someone (GtkWidget *widget)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);
  g_autofree char *differs = NULL;

  if (!gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return FALSE;
  if (child == NULL)
    return TRUE;
  differs = gtk_test_accessible_check_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY, child, NULL);
  return differs != NULL;
}

static gboolean
has_name (GtkWidget *widget)
{
  GtkAccessibleRole role = gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (widget));

  if (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
      labelled_by_someone (widget))
    return TRUE;

  switch ((int) role)
    {
    case GTK_ACCESSIBLE_ROLE_BUTTON:
    case GTK_ACCESSIBLE_ROLE_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_LINK:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM_CHECKBOX:
    case GTK_ACCESSIBLE_ROLE_MENU_ITEM_RADIO:
    case GTK_ACCESSIBLE_ROLE_RADIO:
    case GTK_ACCESSIBLE_ROLE_TAB:
    case GTK_ACCESSIBLE_ROLE_LIST_ITEM:
    case GTK_ACCESSIBLE_ROLE_ROW:
      return name_from_contents (widget);
    default:
      return FALSE;
    }
}

static void
collect_unnamed (GtkWidget *widget,
                 GString   *unnamed,
                 guint     *n_controls)
{
  if (!gtk_widget_get_mapped (widget))
    return;

  if (is_control (widget))
    {
      (*n_controls)++;
      if (!has_name (widget))
        {
          const char *id = GTK_IS_BUILDABLE (widget) ? gtk_buildable_get_buildable_id (GTK_BUILDABLE (widget)) : NULL;
          GtkWidget *parent = gtk_widget_get_parent (widget);

          g_string_append_printf (unnamed, " %s%s%s (in %s)", G_OBJECT_TYPE_NAME (widget),
                                  id ? "#" : "", id ? id : "",
                                  parent ? G_OBJECT_TYPE_NAME (parent) : "-");
        }
    }

  /* The page inside is the web site's to name; WebKit's own widgets in
   * there (a text view for input methods) are not controls of ours. */
  if (WEBKIT_IS_WEB_VIEW (widget))
    return;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL; child = gtk_widget_get_next_sibling (child))
    collect_unnamed (child, unnamed, n_controls);
}

static void
assert_all_named (ForgeWindow *window,
                  const char  *where)
{
  g_autoptr(GString) unnamed = g_string_new (NULL);
  guint n_controls = 0;

  settle ();
  collect_unnamed (GTK_WIDGET (window), unnamed, &n_controls);
  if (unnamed->len > 0)
    g_error ("%s: controls without an accessible name:%s", where, unnamed->str);
  g_assert_cmpuint (n_controls, >, 0);
}

static void
test_accessible_labels (void)
{
  ForgeWindow *window;
  ForgeProjectView *view;
  GtkWidget *menu_button;
  GtkPopover *row_menu;

  g_settings_set_string (forge_application_get_settings (the_app), "last-project-id", "");
  window = new_window (1100, 720);
  assert_all_named (window, "the list");

  /* A project: its page, its log and its runs. */
  gtk_list_box_select_row (projects_list (window), GTK_LIST_BOX_ROW (row_for (window, saved_a_id)));
  view = forge_window_get_visible_project_view (window);
  assert_all_named (window, "a project");
  forge_project_view_set_show_log (view, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.search-log", NULL));
  assert_all_named (window, "the log");
  forge_project_view_set_show_runs (view, TRUE);
  assert_all_named (window, "the runs");
  forge_project_view_set_show_runs (view, FALSE);
  forge_project_view_set_show_log (view, FALSE);

  /* A row's context menu. */
  row_menu = forge_project_row_get_menu (row_for (window, saved_a_id));
  forge_project_row_popup_menu (row_for (window, saved_a_id));
  assert_all_named (window, "a row's menu");
  gtk_popover_popdown (row_menu);

  /* The main and the project menus. */
  menu_button = find_child (GTK_WIDGET (window), GTK_TYPE_MENU_BUTTON, "primary_menu_button");
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
  assert_all_named (window, "the main menu");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));
  menu_button = find_child (GTK_WIDGET (window), GTK_TYPE_MENU_BUTTON, "project_menu_button");
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
  assert_all_named (window, "the project menu");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));

  /* The bare preview, wide and narrow (its overflow menu open). */
  forge_window_show_uri (window, "http://127.0.0.1:9/");
  assert_all_named (window, "the preview");
  resize (window, 360);
  menu_button = find_child (gtk_stack_get_visible_child (main_stack (window)), GTK_TYPE_MENU_BUTTON, "menu_button");
  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
  assert_all_named (window, "the narrow preview's menu");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));

  gtk_window_destroy (GTK_WINDOW (window));

  /* The first start: no project at all. */
  g_assert_cmpuint (n_active_runs (), ==, 0);
}

/* The remove confirmation survives the move into the menus. */
static void
test_remove_asks_first (void)
{
  ForgeWindow *window = new_window (1100, 720);
  ForgeProjectStore *store = forge_application_get_store (the_app);
  GList *toplevels;
  gboolean asked = FALSE;

  gtk_list_box_select_row (projects_list (window), GTK_LIST_BOX_ROW (row_for (window, saved_b_id)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row_for (window, saved_b_id)), "row.remove", NULL));
  settle ();
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      {
        asked = TRUE;
        /* Cancel: nothing goes. */
        adw_message_dialog_response (l->data, "cancel");
      }
  g_list_free (toplevels);
  g_assert_true (asked);
  settle ();
  g_assert_nonnull (forge_project_store_lookup (store, saved_b_id));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* What an earlier run of the app left: two projects it had running. */
static void
save_projects_of_an_earlier_run (void)
{
  g_autoptr(ForgeProjectStore) store = forge_project_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *repo_a = forge_test_repo_from_fixture (repos_root, "static-site");
  g_autofree char *url_a = g_strconcat ("file://", repo_a, NULL);
  g_autofree char *parent_b = g_build_filename (repos_root, "b", NULL);
  g_autofree char *repo_b = NULL;
  g_autofree char *url_b = NULL;
  ForgeProject *project;

  g_mkdir_with_parents (parent_b, 0700);
  repo_b = forge_test_repo_from_fixture (parent_b, "static-site");
  url_b = g_strconcat ("file://", repo_b, NULL);

  project = forge_project_store_ensure (store, url_a);
  forge_project_set_status (project, FORGE_PROJECT_STATUS_DEPLOYED);
  saved_a_id = g_strdup (forge_project_get_id (project));
  project = forge_project_store_ensure (store, url_b);
  forge_project_set_status (project, FORGE_PROJECT_STATUS_DEPLOYED);
  saved_b_id = g_strdup (forge_project_get_id (project));
  g_assert_true (forge_project_store_save (store, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  xdg_root = g_dir_make_tmp ("forge-shell-xdg-XXXXXX", NULL);
  repos_root = g_dir_make_tmp ("forge-shell-repos-XXXXXX", NULL);
  forge_test_isolate_xdg (xdg_root);
  save_projects_of_an_earlier_run ();

  the_app = forge_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (the_app), NULL, &error));
  g_assert_no_error (error);

  g_test_add_func ("/forge/window-shell/restart-states", test_restart_states);
  g_test_add_func ("/forge/window-shell/selection-is-not-starting", test_selection_is_not_starting);
  g_test_add_func ("/forge/window-shell/shortcuts-from-sidebar", test_shortcuts_from_sidebar);
  g_test_add_func ("/forge/window-shell/narrow-window", test_narrow_window);
  g_test_add_func ("/forge/window-shell/accessible-labels", test_accessible_labels);
  g_test_add_func ("/forge/window-shell/remove-asks-first", test_remove_asks_first);
  g_test_add_func ("/forge/window-shell/reopen-running-project", test_reopen_running_project);

  status = g_test_run ();
  g_clear_object (&the_app);
  forge_remove_tree (xdg_root, NULL);
  forge_remove_tree (repos_root, NULL);
  g_free (xdg_root);
  g_free (repos_root);
  g_free (saved_a_id);
  g_free (saved_b_id);
  return status;
}
