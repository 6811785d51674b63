/* forge-open-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-accessible.h"
#include "forge-backend-choices.h"
#include "forge-git.h"
#include "forge-github-client.h"
#include "forge-open-dialog-private.h"
#include "forge-project.h"
#include "forge-repository-row.h"
#include "forge-secrets.h"
#include "forge-util.h"

#define MAX_RECENT 8
/* How long typing must pause before what was typed is checked: an error
 * under a half-typed address only gets in the way. */
#define VALIDATE_DELAY_MS 500
/* GitHub's own default: a page is one request, and about six rows show
 * at a time. */
#define REPOSITORIES_PER_PAGE 30
/* While a search shows fewer repositories than this, the next page is
 * loaded to find more: a few matches are a start, a page of them is
 * plenty, and an empty list says nothing until all pages were read. */
#define ENOUGH_MATCHES 10

struct _ForgeOpenDialog
{
  AdwMessageDialog  parent_instance;

  GSettings        *settings;
  char             *error_message;   /* the error shown, or NULL */
  guint             validate_id;
  GObject          *folder_chooser;  /* while it is open */

  GtkEntry         *url_entry;
  GtkLabel         *error_label;
  GtkWidget        *recent_group;
  GtkListBox       *recent_list;
  GtkWidget        *backend_group;
  GtkListBox       *backend_list;
  /* The backend chosen (a ForgeSandboxProviders name), or NULL. */
  char             *backend;

  /* The picker of the GitHub account's repositories. Everything it asks
   * the keyring and GitHub goes through the dialog's cancellable, which
   * is cancelled when the dialog closes: no request starts after. */
  GCancellable       *cancellable;
  ForgeGithubHost    *github_host;
  GError             *host_error;       /* the host is not usable */
  ForgeGithubClient  *github_client;    /* once a token was found */
  GListStore         *repositories;     /* ForgeGithubRepository, as loaded */
  GtkFilterListModel *filtered;
  GtkCustomFilter    *filter;
  char               *query;            /* what the search holds, or NULL */
  char               *next_page_url;    /* NULL: the first, or no more */
  GError             *load_error;       /* why the last page did not load */
  guint               per_page;
  guint               looking_up : 1;   /* asking the keyring */
  guint               loading : 1;      /* a page is on its way */
  guint               has_more : 1;     /* pages are left to load */
  guint               preferences_opened : 1;

  GtkWidget          *repositories_group;
  GtkStack           *repositories_stack;
  GtkWidget          *preferences_button;
  GtkSearchEntry     *search_entry;
  GtkScrolledWindow  *repositories_scroller;
  GtkListBox         *repositories_list;
  GtkWidget          *status_list;
  AdwActionRow       *status_row;
  GtkSpinner         *status_spinner;
  GtkWidget          *try_again_button;
};

enum {
  OPEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeOpenDialog, forge_open_dialog, ADW_TYPE_MESSAGE_DIALOG)

static char *
dup_text (ForgeOpenDialog *self)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry))));
}

/* Whether @text is a repository address; the reason when it is not.
 * What the project opens is read by forge_git_parse_repo_spec(), so the
 * entry takes what it takes: a /tree/BRANCH[/SUBDIR], /pull/N or
 * /releases/tag/TAG address and OWNER/REPO#BRANCH as well as plain ones,
 * and refuses the same (credentials, a bad branch name). */
static gboolean
check_text (const char  *text,
            char       **message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeRepoSpec) spec = forge_git_parse_repo_spec (text, &error);

  if (spec == NULL && message != NULL)
    *message = g_strdup (error->message);

  return spec != NULL;
}

static void
show_error (ForgeOpenDialog *self,
            const char      *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);

  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->url_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->url_entry), "error");

  /* A screen reader hears why the address is refused with the entry. */
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->url_entry),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->url_entry),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* Checks what is typed now and says what is wrong with it. */
static gboolean
validate_now (ForgeOpenDialog *self)
{
  g_autofree char *text = dup_text (self);
  g_autofree char *message = NULL;
  gboolean valid;

  g_clear_handle_id (&self->validate_id, g_source_remove);

  /* Say nothing while the field is empty: that is not a mistake yet. */
  if (*text == '\0')
    {
      show_error (self, NULL);
      adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open", FALSE);
      return FALSE;
    }

  valid = check_text (text, &message);
  show_error (self, message);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open", valid);

  return valid;
}

static gboolean
validate_timeout_cb (gpointer user_data)
{
  ForgeOpenDialog *self = user_data;

  self->validate_id = 0;
  validate_now (self);

  return G_SOURCE_REMOVE;
}

static void
entry_changed_cb (ForgeOpenDialog *self)
{
  g_autofree char *text = dup_text (self);

  /* While typing, Open follows what is typed, but an error waits for a
   * pause: the one shown may no longer be true, so it goes. */
  show_error (self, NULL);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open",
                                           *text != '\0' && check_text (text, NULL));

  g_clear_handle_id (&self->validate_id, g_source_remove);
  if (*text != '\0')
    {
      self->validate_id = g_timeout_add (VALIDATE_DELAY_MS, validate_timeout_cb, self);
      g_source_set_name_by_id (self->validate_id, "[forge] validate repository address");
    }
}

static void
remember (ForgeOpenDialog *self,
          const char      *url)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-urls");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  guint n = 1;

  g_strv_builder_add (builder, url);
  for (guint i = 0; recent[i] != NULL && n < MAX_RECENT; i++)
    {
      if (g_str_equal (recent[i], url))
        continue;
      g_strv_builder_add (builder, recent[i]);
      n++;
    }

  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-urls", (const char * const *) updated);
}

static void
response_cb (ForgeOpenDialog *self,
             const char      *response)
{
  g_autofree char *url = NULL;

  if (!g_str_equal (response, "open"))
    return;

  if (!validate_now (self))
    return;

  url = dup_text (self);
  remember (self, url);
  g_signal_emit (self, signals[OPEN], 0, url);
}

static void
entry_activate_cb (ForgeOpenDialog *self)
{
  /* Enter checks at once, and opens only what passes. */
  if (!validate_now (self))
    return;

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), "open");
  gtk_window_close (GTK_WINDOW (self));
}

static void
recent_activated_cb (ForgeOpenDialog *self,
                     GtkListBoxRow   *row)
{
  const char *url = g_object_get_data (G_OBJECT (row), "url");

  forge_open_dialog_set_url (self, url);
  entry_activate_cb (self);
}

static GtkWidget *
recent_row (const char *url)
{
  GtkWidget *row = adw_action_row_new ();
  /* Named by the repository, whichever branch or pull request the
   * address named. */
  g_autoptr(ForgeRepoSpec) spec = forge_git_parse_repo_spec (url, NULL);
  const char *address = spec != NULL ? forge_repo_spec_get_url (spec) : url;
  g_autofree char *name = forge_project_name_for_url (address);
  g_autofree char *shown = forge_display_url (address);

  /* Named as its project will be, with where it comes from beneath. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shown);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  gtk_widget_set_tooltip_text (row, shown);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown,
                                  -1);
  g_object_set_data_full (G_OBJECT (row), "url", g_strdup (url), g_free);

  return row;
}

static void
fill_recent (ForgeOpenDialog *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-urls");

  for (guint i = 0; recent[i] != NULL; i++)
    gtk_list_box_append (self->recent_list, recent_row (recent[i]));

  gtk_widget_set_visible (self->recent_group, recent[0] != NULL);
}

static void
backend_toggled_cb (GtkCheckButton  *check,
                    ForgeOpenDialog *self)
{
  if (!gtk_check_button_get_active (check))
    return;

  g_free (self->backend);
  self->backend = g_strdup (g_object_get_data (G_OBJECT (check), "backend"));
}

static GtkWidget *
backend_row (ForgeOpenDialog          *self,
             const ForgeBackendChoice *choice,
             GtkCheckButton           *group)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), choice->title);
  gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  g_object_set_data_full (G_OBJECT (check), "backend", g_strdup (choice->name), g_free);
  g_object_set_data_full (G_OBJECT (row), "backend", g_strdup (choice->name), g_free);
  g_signal_connect_object (check, "toggled", G_CALLBACK (backend_toggled_cb), self, 0);

  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, choice->title,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, choice->title,
                                  -1);

  /* A backend that cannot run here stays in the list, greyed, saying why
   * and what to do about it: a missing choice explains nothing. */
  if (choice->reason != NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), choice->reason);
      gtk_widget_set_sensitive (row, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, choice->reason,
                                      -1);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, choice->reason,
                                      -1);
    }

  return row;
}

static void
fill_backends (ForgeOpenDialog       *self,
               ForgeSandboxProviders *providers)
{
  g_autoptr(GPtrArray) choices = forge_backend_choices_new (providers);
  g_autofree char *preferred = g_settings_get_string (self->settings, "default-backend");
  GtkCheckButton *group = NULL;
  GtkCheckButton *chosen = NULL;
  GtkCheckButton *first_available = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->backend_list))) != NULL)
    gtk_list_box_remove (self->backend_list, child);
  g_clear_pointer (&self->backend, g_free);

  for (guint i = 0; i < choices->len; i++)
    {
      const ForgeBackendChoice *choice = g_ptr_array_index (choices, i);
      GtkWidget *row = backend_row (self, choice, group);
      GtkCheckButton *check = GTK_CHECK_BUTTON (adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row)));

      if (group == NULL)
        group = check;
      gtk_list_box_append (self->backend_list, row);

      if (choice->reason != NULL)
        continue;
      if (first_available == NULL)
        first_available = check;
      if (g_strcmp0 (choice->name, preferred) == 0)
        chosen = check;
    }

  /* The default backend, unless it cannot run here: then the first that
   * can. With none, nothing is chosen and the run says why it fails. */
  if (chosen == NULL)
    chosen = first_available;
  if (chosen != NULL)
    gtk_check_button_set_active (chosen, TRUE);

  gtk_widget_set_visible (self->backend_group, choices->len > 0);
}

/* ------------------------------------------------------------------ */
/* Your Repositories                                                  */
/* ------------------------------------------------------------------ */

static void start_github (ForgeOpenDialog *self);

/* Which GitHub: GH_HOST or GITHUB_API_URL when set (as for gh and the
 * headless runs), else the "github-host" setting. */
static ForgeGithubHost *
dup_github_host (GSettings  *settings,
                 GError    **error)
{
  g_auto(GStrv) envp = g_get_environ ();
  g_autofree char *name = g_settings_get_string (settings, "github-host");

  return forge_github_host_new_configured ((const char * const *) envp, name, error);
}

/* Says what the list is doing under it: loading, what went wrong, or
 * that nothing matches; nothing when the rows say it all. */
static void
update_repositories_status (ForgeOpenDialog *self)
{
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint n_all = g_list_model_get_n_items (G_LIST_MODEL (self->repositories));
  g_autofree char *text = NULL;
  gboolean can_retry = FALSE;

  if (self->host_error != NULL)
    text = g_strdup (self->host_error->message);
  else if (self->loading)
    text = g_strdup (_("Loading repositories…"));
  else if (self->load_error != NULL)
    {
      text = g_strdup (self->load_error->message);
      can_retry = TRUE;
    }
  else if (!self->has_more && n_shown == 0 && self->query != NULL)
    text = g_strdup_printf (_("No repositories match “%s”"), self->query);
  else if (!self->has_more && n_all == 0)
    text = g_strdup (_("This account has no repositories yet"));

  gtk_widget_set_visible (GTK_WIDGET (self->repositories_list), n_shown > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->search_entry), n_all > 0 || self->query != NULL);

  gtk_widget_set_visible (self->status_list, text != NULL);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->status_row), text ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->status_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text ? text : "",
                                  -1);
  gtk_widget_set_visible (GTK_WIDGET (self->status_spinner), self->loading);
  gtk_spinner_set_spinning (self->status_spinner, self->loading);
  gtk_widget_set_visible (self->try_again_button, can_retry);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "open-dialog.reload-repositories", can_retry);
}

static void
show_repositories_page (ForgeOpenDialog *self,
                        const char      *page)
{
  gtk_stack_set_visible_child_name (self->repositories_stack, page);
  gtk_widget_set_visible (self->repositories_group, TRUE);
  update_repositories_status (self);
}

static void load_next_page (ForgeOpenDialog *self);

/* A search that shows few rows reads on while pages are left: what it
 * looks for may be further down the list. */
static void
load_more_if_few (ForgeOpenDialog *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) < ENOUGH_MATCHES)
    load_next_page (self);
}

static void
page_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ForgeOpenDialog) self = user_data;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *next_page_url = NULL;

  page = forge_github_client_list_repositories_finish (FORGE_GITHUB_CLIENT (object), result,
                                                       &next_page_url, &error);
  /* Closed meanwhile: its widgets are gone. */
  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  self->loading = FALSE;

  if (page == NULL)
    {
      /* Kept with the page it failed on: Try Again asks for that one. */
      g_clear_error (&self->load_error);
      self->load_error = g_steal_pointer (&error);
      update_repositories_status (self);
      return;
    }

  g_free (self->next_page_url);
  self->next_page_url = g_steal_pointer (&next_page_url);
  self->has_more = self->next_page_url != NULL;
  g_list_store_splice (self->repositories,
                       g_list_model_get_n_items (G_LIST_MODEL (self->repositories)), 0,
                       page->pdata, page->len);

  update_repositories_status (self);
  load_more_if_few (self);
}

/* One page at a time, and none while the last one failed: Try Again
 * says when to ask again. */
static void
load_next_page (ForgeOpenDialog *self)
{
  if (self->github_client == NULL || self->loading || !self->has_more || self->load_error != NULL)
    return;

  self->loading = TRUE;
  update_repositories_status (self);
  forge_github_client_list_repositories_async (self->github_client,
                                               self->next_page_url,
                                               self->per_page,
                                               self->cancellable,
                                               page_loaded_cb,
                                               g_object_ref (self));
}

static void
token_looked_up_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ForgeOpenDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  char *token = forge_secrets_lookup_token_finish (result, &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      forge_secrets_free_token (token);
      return;
    }

  self->looking_up = FALSE;

  /* No token, or no keyring to ask: addresses still work, and the hint
   * says how to get the list. */
  if (token == NULL)
    {
      if (error != NULL)
        g_debug ("No GitHub token for %s: %s", forge_github_host_get_name (self->github_host), error->message);
      show_repositories_page (self, "hint");
      return;
    }

  /* The client keeps its own copy, and wipes it. */
  self->github_client = forge_github_client_new (self->github_host, token);
  forge_secrets_free_token (token);

  show_repositories_page (self, "list");
  load_next_page (self);
}

/* From the start: which host, whether a token is stored for it, then the
 * first page. */
static void
start_github (ForgeOpenDialog *self)
{
  if (self->looking_up || self->loading)
    return;

  g_clear_object (&self->github_client);
  g_clear_object (&self->github_host);
  g_clear_error (&self->host_error);
  g_clear_error (&self->load_error);
  g_clear_pointer (&self->next_page_url, g_free);
  g_list_store_remove_all (self->repositories);
  self->has_more = TRUE;

  self->github_host = dup_github_host (self->settings, &self->host_error);
  if (self->github_host == NULL)
    {
      show_repositories_page (self, "list");
      return;
    }

  self->looking_up = TRUE;
  forge_secrets_lookup_token_async (forge_github_host_get_name (self->github_host),
                                    self->cancellable,
                                    token_looked_up_cb,
                                    g_object_ref (self));
}

static void
reload_repositories_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (widget);

  /* A refused token may have been replaced in Preferences meanwhile:
   * ask the keyring again, and start over as that account. */
  if (g_error_matches (self->load_error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED))
    {
      start_github (self);
      return;
    }

  g_clear_error (&self->load_error);
  load_next_page (self);
}

static GActionGroup *
app_actions (void)
{
  GApplication *app = g_application_get_default ();

  if (app == NULL || !g_action_group_has_action (G_ACTION_GROUP (app), "preferences"))
    return NULL;

  return G_ACTION_GROUP (app);
}

static void
connect_github_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (widget);
  GActionGroup *app = app_actions ();

  if (app == NULL)
    return;

  /* The dialog stays: once a token was saved there, coming back to it
   * looks again. */
  self->preferences_opened = TRUE;
  g_action_group_activate_action (app, "preferences", NULL);
}

static void
is_active_cb (ForgeOpenDialog *self)
{
  if (!gtk_window_is_active (GTK_WINDOW (self)) || !self->preferences_opened)
    return;
  if (self->github_client != NULL || self->looking_up)
    return;

  self->preferences_opened = FALSE;
  start_github (self);
}

static gboolean
repository_matches (gpointer item,
                    gpointer user_data)
{
  ForgeOpenDialog *self = user_data;

  return forge_github_repository_matches (item, self->query);
}

static void
search_changed_cb (ForgeOpenDialog *self)
{
  g_autofree char *query = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));
  g_autofree char *old = g_steal_pointer (&self->query);
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  self->query = *query != '\0' ? g_steal_pointer (&query) : NULL;
  if (g_strcmp0 (old, self->query) == 0)
    return;

  /* A longer query only hides rows, a shorter one only adds some: the
   * filter then looks at fewer rows. */
  if (old == NULL || (self->query != NULL && strstr (self->query, old) != NULL))
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (self->query == NULL || strstr (old, self->query) != NULL)
    change = GTK_FILTER_CHANGE_LESS_STRICT;
  gtk_filter_changed (GTK_FILTER (self->filter), change);

  update_repositories_status (self);
  load_more_if_few (self);
}

static void
repository_activated_cb (ForgeOpenDialog *self,
                         GtkListBoxRow   *row)
{
  ForgeGithubRepository *repository = forge_repository_row_get_repository (FORGE_REPOSITORY_ROW (row));

  /* Filled in, not opened: "/tree/BRANCH" may still be typed after it,
   * and the cursor waits there for it. */
  forge_open_dialog_set_url (self, forge_github_repository_get_html_url (repository));
  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
  gtk_editable_set_position (GTK_EDITABLE (self->url_entry), -1);
}

static void
search_activate_cb (ForgeOpenDialog *self)
{
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->repositories_list, 0);

  /* Enter in the search picks the best match, as in other searches. */
  if (first != NULL)
    repository_activated_cb (self, first);
}

static void
edge_reached_cb (ForgeOpenDialog *self,
                 GtkPositionType  position)
{
  if (position == GTK_POS_BOTTOM)
    load_next_page (self);
}

/* "edge-reached" comes from scrolling with a wheel or a finger only; a
 * dragged scroll bar or rows walked with the keyboard move the
 * adjustment alone. Within a screenful of the end, the next page is
 * asked for already, so that it is there by the time the end is. */
static void
scrolled_cb (ForgeOpenDialog *self,
             GtkAdjustment   *adjustment)
{
  double value = gtk_adjustment_get_value (adjustment);
  double page = gtk_adjustment_get_page_size (adjustment);

  if (value > 0 && value + 2 * page >= gtk_adjustment_get_upper (adjustment))
    load_next_page (self);
}

static GtkWidget *
create_repository_row (gpointer item,
                       gpointer user_data)
{
  return forge_repository_row_new (item, NULL);
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
folder_selected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ForgeOpenDialog) self = user_data;
  g_autoptr(GFile) folder = gtk_file_dialog_select_folder_finish (GTK_FILE_DIALOG (object), result, NULL);

  if (self->folder_chooser == object)
    g_clear_object (&self->folder_chooser);
  if (folder != NULL)
    forge_open_dialog_folder_chosen (self, folder);
}
#else
static void
folder_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    ForgeOpenDialog *self)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->folder_chooser);

  if (folder != NULL)
    forge_open_dialog_folder_chosen (self, folder);
}
#endif

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (widget);

  if (self->folder_chooser != NULL)
    return;

#if GTK_CHECK_VERSION (4, 10, 0)
  {
    GtkFileDialog *dialog = gtk_file_dialog_new ();

    gtk_file_dialog_set_title (dialog, _("Choose a Repository Folder"));
    gtk_file_dialog_set_modal (dialog, TRUE);
    self->folder_chooser = G_OBJECT (dialog);
    gtk_file_dialog_select_folder (dialog, GTK_WINDOW (self), NULL,
                                   folder_selected_cb, g_object_ref (self));
  }
#else
  {
    GtkFileChooserNative *chooser;

    chooser = gtk_file_chooser_native_new (_("Choose a Repository Folder"),
                                           GTK_WINDOW (self),
                                           GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                           _("_Select"),
                                           _("_Cancel"));
    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
    self->folder_chooser = G_OBJECT (chooser);
    g_signal_connect_object (chooser, "response", G_CALLBACK (folder_response_cb), self, 0);
    gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
  }
#endif
}

static void
forge_open_dialog_dispose (GObject *object)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (object);

  g_clear_handle_id (&self->validate_id, g_source_remove);
  /* Kept until finalize: the callbacks still to come look at it. */
  g_cancellable_cancel (self->cancellable);
  if (self->repositories_list != NULL)
    gtk_list_box_bind_model (self->repositories_list, NULL, NULL, NULL, NULL);
#if !GTK_CHECK_VERSION (4, 10, 0)
  if (self->folder_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->folder_chooser));
#endif
  g_clear_object (&self->folder_chooser);
  gtk_widget_dispose_template (GTK_WIDGET (object), FORGE_TYPE_OPEN_DIALOG);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->repositories);
  g_clear_object (&self->github_client);

  G_OBJECT_CLASS (forge_open_dialog_parent_class)->dispose (object);
}

static void
forge_open_dialog_finalize (GObject *object)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->backend, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->github_host);
  g_clear_error (&self->host_error);
  g_clear_error (&self->load_error);
  g_clear_pointer (&self->query, g_free);
  g_clear_pointer (&self->next_page_url, g_free);

  G_OBJECT_CLASS (forge_open_dialog_parent_class)->finalize (object);
}

/* Closing the dialog destroys it, which unrealizes it even while a test
 * or a caller still holds a reference: nothing is asked after that. */
static void
forge_open_dialog_unrealize (GtkWidget *widget)
{
  ForgeOpenDialog *self = FORGE_OPEN_DIALOG (widget);

  g_cancellable_cancel (self->cancellable);

  GTK_WIDGET_CLASS (forge_open_dialog_parent_class)->unrealize (widget);

  /* What it still waits for keeps it alive, maybe past its parent: GTK
   * would then let go of a parent already gone. */
  gtk_window_set_transient_for (GTK_WINDOW (widget), NULL);
}

static void
forge_open_dialog_class_init (ForgeOpenDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_open_dialog_dispose;
  widget_class->unrealize = forge_open_dialog_unrealize;
  object_class->finalize = forge_open_dialog_finalize;

  signals[OPEN] =
    g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "open-dialog.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "open-dialog.reload-repositories", NULL, reload_repositories_action);
  gtk_widget_class_install_action (widget_class, "open-dialog.connect-github", NULL, connect_github_action);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-open-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, url_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, recent_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, recent_list);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, backend_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, backend_list);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, repositories_group);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, repositories_stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, preferences_button);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, repositories_scroller);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, repositories_list);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, status_list);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, status_row);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, status_spinner);
  gtk_widget_class_bind_template_child (widget_class, ForgeOpenDialog, try_again_button);
  gtk_widget_class_bind_template_callback (widget_class, response_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, recent_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, edge_reached_cb);
  gtk_widget_class_bind_template_callback (widget_class, repository_activated_cb);
}

static void
forge_open_dialog_init (ForgeOpenDialog *self)
{
  gboolean can_connect = app_actions () != NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  forge_accessible_fix_mnemonic_names (GTK_WIDGET (self));
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open", FALSE);

  self->cancellable = g_cancellable_new ();
  self->per_page = REPOSITORIES_PER_PAGE;
  self->has_more = TRUE;
  self->repositories = g_list_store_new (FORGE_TYPE_GITHUB_REPOSITORY);
  self->filter = gtk_custom_filter_new (repository_matches, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->repositories)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  gtk_list_box_bind_model (self->repositories_list, G_LIST_MODEL (self->filtered),
                           create_repository_row, self, NULL);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->repositories_scroller),
                           "value-changed", G_CALLBACK (scrolled_cb), self, G_CONNECT_SWAPPED);

  /* Preferences is the app's: without the app (or that action) the hint
   * only says where to go. */
  gtk_widget_set_visible (self->preferences_button, can_connect);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "open-dialog.connect-github", can_connect);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (is_active_cb), NULL);
}

GtkWidget *
forge_open_dialog_new (GtkWindow *parent,
                       GSettings *settings)
{
  ForgeOpenDialog *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (FORGE_TYPE_OPEN_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       /* Its lookups may outlive a parent that goes
                        * first: never left pointing at it. */
                       "destroy-with-parent", TRUE,
                       NULL);
  self->settings = g_object_ref (settings);
  fill_recent (self);
  start_github (self);

  return GTK_WIDGET (self);
}

void
forge_open_dialog_set_url (ForgeOpenDialog *self,
                           const char      *url)
{
  g_return_if_fail (FORGE_IS_OPEN_DIALOG (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url ? url : "");
  validate_now (self);
}

void
forge_open_dialog_set_providers (ForgeOpenDialog       *self,
                                 ForgeSandboxProviders *providers)
{
  g_return_if_fail (FORGE_IS_OPEN_DIALOG (self));
  g_return_if_fail (FORGE_IS_SANDBOX_PROVIDERS (providers));

  fill_backends (self, providers);
}

const char *
forge_open_dialog_get_backend (ForgeOpenDialog *self)
{
  g_return_val_if_fail (FORGE_IS_OPEN_DIALOG (self), NULL);
  return self->backend;
}

const char *
forge_open_dialog_get_error (ForgeOpenDialog *self)
{
  g_return_val_if_fail (FORGE_IS_OPEN_DIALOG (self), NULL);
  return self->error_message;
}

void
forge_open_dialog_folder_chosen (ForgeOpenDialog *self,
                                 GFile           *folder)
{
  g_autofree char *uri = NULL;

  g_return_if_fail (FORGE_IS_OPEN_DIALOG (self));
  g_return_if_fail (G_IS_FILE (folder));

  /* A file:// URL names the folder exactly (a path with spaces or "~"
   * in it stays what it is), and the project remembers it as one. */
  uri = g_file_get_uri (folder);
  forge_open_dialog_set_url (self, uri);
  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
}

GtkEditable *
forge_open_dialog_get_url_editable (ForgeOpenDialog *self)
{
  return GTK_EDITABLE (self->url_entry);
}

GtkLabel *
forge_open_dialog_get_error_label (ForgeOpenDialog *self)
{
  return self->error_label;
}

GtkListBox *
forge_open_dialog_get_recent_list (ForgeOpenDialog *self)
{
  return self->recent_list;
}

GtkWidget *
forge_open_dialog_get_backend_row (ForgeOpenDialog *self,
                                   const char      *backend)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->backend_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "backend"), backend) == 0)
        return row;
    }

  return NULL;
}

void
forge_open_dialog_set_page_size (ForgeOpenDialog *self,
                                 guint            per_page)
{
  g_return_if_fail (FORGE_IS_OPEN_DIALOG (self));
  g_return_if_fail (per_page >= 1 && per_page <= 100);

  self->per_page = per_page;
}

GListModel *
forge_open_dialog_get_repositories (ForgeOpenDialog *self)
{
  return G_LIST_MODEL (self->repositories);
}

GtkListBox *
forge_open_dialog_get_repository_list (ForgeOpenDialog *self)
{
  return self->repositories_list;
}

GtkEditable *
forge_open_dialog_get_search_editable (ForgeOpenDialog *self)
{
  return GTK_EDITABLE (self->search_entry);
}

GtkScrolledWindow *
forge_open_dialog_get_repository_scroller (ForgeOpenDialog *self)
{
  return self->repositories_scroller;
}

const char *
forge_open_dialog_get_repository_section (ForgeOpenDialog *self)
{
  if (!gtk_widget_get_visible (self->repositories_group))
    return NULL;
  return gtk_stack_get_visible_child_name (self->repositories_stack);
}

const char *
forge_open_dialog_get_repository_status (ForgeOpenDialog *self)
{
  if (!gtk_widget_get_visible (self->status_list))
    return NULL;
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->status_row));
}

gboolean
forge_open_dialog_get_repositories_loading (ForgeOpenDialog *self)
{
  return self->looking_up || self->loading;
}

GtkWidget *
forge_open_dialog_get_try_again_button (ForgeOpenDialog *self)
{
  return self->try_again_button;
}
