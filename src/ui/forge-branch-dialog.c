/* forge-branch-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-branch-dialog-private.h"
#include "forge-git.h"
#include "forge-github-branch.h"
#include "forge-github-client.h"
#include "forge-github-repository.h"
#include "forge-repo-spec.h"
#include "forge-secrets.h"

struct _ForgeBranchDialog
{
  AdwWindow       parent_instance;

  GtkSearchEntry *search_entry;
  GtkStack       *stack;
  GtkSpinner     *spinner;
  GtkListBox     *list_box;
  AdwStatusPage  *error_page;

  char           *url;
  char           *current_ref;
  /* Where the repository lives when on GitHub: its branches are asked of
   * its API. NULL for plain git. */
  ForgeGithubHost *github;
  guint           per_page;
  /* Cancelled when the dialog goes: nothing it asked for outlives it. */
  GCancellable   *cancellable;
};

enum {
  SWITCH,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeBranchDialog, forge_branch_dialog, ADW_TYPE_WINDOW)

typedef struct
{
  char  *url;
  char  *token;
  char **branches;
  char  *default_branch;
} Listing;

static void
listing_free (Listing *listing)
{
  g_free (listing->url);
  forge_secrets_free_token (listing->token);
  g_strfreev (listing->branches);
  g_free (listing->default_branch);
  g_free (listing);
}

static const char *
row_get_branch (GtkListBoxRow *row)
{
  return g_object_get_data (G_OBJECT (row), "forge-branch");
}

static gboolean
filter_row (GtkListBoxRow *row,
            gpointer       user_data)
{
  ForgeBranchDialog *self = user_data;
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *branch = NULL;
  g_autofree char *folded_query = NULL;

  if (query == NULL || *query == '\0')
    return TRUE;

  branch = g_utf8_casefold (row_get_branch (row), -1);
  folded_query = g_utf8_casefold (query, -1);
  return strstr (branch, folded_query) != NULL;
}

static void
search_changed_cb (ForgeBranchDialog *self)
{
  gtk_list_box_invalidate_filter (self->list_box);
}

static void
update_switch (ForgeBranchDialog *self)
{
  GtkListBoxRow *row;
  g_autofree char *ref = NULL;

  /* Rows leave the list when the dialog goes. */
  if (self->list_box == NULL)
    return;

  row = gtk_list_box_get_selected_row (self->list_box);
  ref = row != NULL ? forge_git_ref_for_branch (row_get_branch (row)) : NULL;

  /* Switching to the branch it is on would only restart it. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "branch.switch",
                                 ref != NULL && g_strcmp0 (ref, self->current_ref) != 0);
}

static GtkWidget *
make_row (const char *branch,
          gboolean    current,
          gboolean    is_default)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), branch);
  /* Branch names are the repository's, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (is_default)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Default branch"));
  if (current)
    {
      GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Current branch"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), check);
    }
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "forge-branch", g_strdup (branch), g_free);

  return row;
}

static void
list_in_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Listing *listing = task_data;
  GError *error = NULL;

  listing->branches = forge_git_list_remote_branches (listing->url, listing->token,
                                                      &listing->default_branch, cancellable, &error);
  if (listing->branches == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
show_error (ForgeBranchDialog *self,
            const GError      *error)
{
  gtk_spinner_stop (self->spinner);
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

static void
show_branches (ForgeBranchDialog  *self,
               const char * const *branches,
               const char         *default_branch)
{
  GtkWidget *child;
  g_autofree char *current = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  current = self->current_ref != NULL && g_str_has_prefix (self->current_ref, "refs/heads/")
    ? g_strdup (self->current_ref + strlen ("refs/heads/"))
    : g_strdup (self->current_ref == NULL ? default_branch : NULL);

  for (guint i = 0; branches[i] != NULL; i++)
    {
      const char *branch = branches[i];
      GtkWidget *row = make_row (branch, g_strcmp0 (branch, current) == 0,
                                 g_strcmp0 (branch, default_branch) == 0);

      gtk_list_box_append (self->list_box, row);
      if (g_strcmp0 (branch, current) == 0)
        gtk_list_box_select_row (self->list_box, GTK_LIST_BOX_ROW (row));
    }

  gtk_spinner_stop (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "list");
  update_switch (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  ForgeBranchDialog *self = FORGE_BRANCH_DIALOG (object);
  Listing *listing = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }

  show_branches (self, (const char * const *) listing->branches, listing->default_branch);
}

/* {{{ On GitHub: its API, page by page */

/* Enough for any repository a person picks a branch of by name. */
#define MAX_PAGES 20

typedef struct
{
  ForgeBranchDialog *self;
  ForgeGithubClient *client;
  char              *owner;
  char              *repo;
  char              *default_branch;
  GPtrArray         *names;
  guint              pages;
} GithubListing;

static void
github_listing_free (GithubListing *listing)
{
  g_object_unref (listing->self);
  g_object_unref (listing->client);
  g_free (listing->owner);
  g_free (listing->repo);
  g_free (listing->default_branch);
  g_ptr_array_unref (listing->names);
  g_free (listing);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GithubListing, github_listing_free)

static void github_next_page (GithubListing *listing, const char *page_url);

static void
github_branches_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GithubListing) listing = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) branches = NULL;
  g_autofree char *next = NULL;

  branches = forge_github_client_list_branches_finish (FORGE_GITHUB_CLIENT (object), result, &next, &error);
  if (branches == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (listing->self, error);
      return;
    }

  for (guint i = 0; i < branches->len; i++)
    g_ptr_array_add (listing->names, g_strdup (forge_github_branch_get_name (g_ptr_array_index (branches, i))));

  if (next != NULL && ++listing->pages < MAX_PAGES)
    {
      github_next_page (g_steal_pointer (&listing), next);
      return;
    }

  g_ptr_array_add (listing->names, NULL);
  show_branches (listing->self, (const char * const *) listing->names->pdata, listing->default_branch);
}

static void
github_next_page (GithubListing *listing,
                  const char    *page_url)
{
  forge_github_client_list_branches_async (listing->client, listing->owner, listing->repo, page_url,
                                           listing->self->per_page, listing->self->cancellable,
                                           github_branches_cb, listing);
}

static void
github_repository_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GithubListing *listing = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeGithubRepository) repository = NULL;

  repository = forge_github_client_get_repository_finish (FORGE_GITHUB_CLIENT (object), result, &error);
  if (repository == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (listing->self, error);
      github_listing_free (listing);
      return;
    }

  listing->default_branch = g_strdup (forge_github_repository_get_default_branch (repository));
  github_next_page (listing, NULL);
}

/* }}} */

static void
token_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Listing *listing = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  ForgeBranchDialog *self = g_task_get_source_object (task);
  g_autofree char *owner = NULL;
  g_autofree char *repo = NULL;

  /* No token (or no keyring) is fine: public repositories list without. */
  listing->token = forge_secrets_lookup_token_finish (result, &error);
  if (g_task_return_error_if_cancelled (task))
    return;

  if (self->github != NULL && forge_github_host_parse_repository_url (self->github, self->url, &owner, &repo))
    {
      GithubListing *github = g_new0 (GithubListing, 1);

      github->self = g_object_ref (self);
      github->client = forge_github_client_new (self->github, listing->token);
      github->owner = g_steal_pointer (&owner);
      github->repo = g_steal_pointer (&repo);
      github->names = g_ptr_array_new_with_free_func (g_free);
      forge_github_client_get_repository_async (github->client, github->owner, github->repo,
                                                self->cancellable, github_repository_cb, github);
      /* The task ends here unreturned: the API's answers fill the list. */
      g_task_return_boolean (task, FALSE);
      return;
    }

  g_task_run_in_thread (task, list_in_thread);
}

static void
load (ForgeBranchDialog *self)
{
  /* On GitHub, its token is the account's, kept under the GitHub's name
   * (with its port, for one on this computer). */
  g_autofree char *host = self->github != NULL &&
                          forge_github_host_parse_repository_url (self->github, self->url, NULL, NULL)
    ? g_strdup (forge_github_host_get_name (self->github))
    : forge_git_dup_host (self->url);
  Listing *listing = g_new0 (Listing, 1);
  GTask *task;

  /* A listing under way is for what was asked before. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  gtk_stack_set_visible_child_name (self->stack, "loading");
  gtk_spinner_start (self->spinner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "branch.switch", FALSE);

  listing->url = g_strdup (self->url);
  task = g_task_new (self, self->cancellable, listed_cb, NULL);
  g_task_set_source_tag (task, load);
  g_task_set_task_data (task, listing, (GDestroyNotify) listing_free);

  if (host != NULL)
    forge_secrets_lookup_token_async (host, self->cancellable, token_cb, task);
  else
    {
      g_task_run_in_thread (task, list_in_thread);
      g_object_unref (task);
    }
}

static void
choose (ForgeBranchDialog *self,
        GtkListBoxRow     *row)
{
  g_autofree char *ref = row != NULL ? forge_git_ref_for_branch (row_get_branch (row)) : NULL;

  if (ref == NULL || g_strcmp0 (ref, self->current_ref) == 0)
    return;

  g_signal_emit (self, signals[SWITCH], 0, ref);
  gtk_window_close (GTK_WINDOW (self));
}

static void
row_activated_cb (ForgeBranchDialog *self,
                  GtkListBoxRow     *row)
{
  choose (self, row);
}

static void
switch_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  ForgeBranchDialog *self = FORGE_BRANCH_DIALOG (widget);

  choose (self, gtk_list_box_get_selected_row (self->list_box));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  load (FORGE_BRANCH_DIALOG (widget));
}

static void
forge_branch_dialog_dispose (GObject *object)
{
  ForgeBranchDialog *self = FORGE_BRANCH_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), FORGE_TYPE_BRANCH_DIALOG);

  G_OBJECT_CLASS (forge_branch_dialog_parent_class)->dispose (object);
}

static void
forge_branch_dialog_finalize (GObject *object)
{
  ForgeBranchDialog *self = FORGE_BRANCH_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->current_ref, g_free);
  g_clear_object (&self->github);

  G_OBJECT_CLASS (forge_branch_dialog_parent_class)->finalize (object);
}

/* Destroyed, it may still be kept by what it waits for, maybe past its
 * parent: nothing more is asked, and GTK must not let go of a parent
 * already gone. */
static void
forge_branch_dialog_unrealize (GtkWidget *widget)
{
  ForgeBranchDialog *self = FORGE_BRANCH_DIALOG (widget);

  g_cancellable_cancel (self->cancellable);
  GTK_WIDGET_CLASS (forge_branch_dialog_parent_class)->unrealize (widget);
  gtk_window_set_transient_for (GTK_WINDOW (widget), NULL);
}

static void
forge_branch_dialog_class_init (ForgeBranchDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = forge_branch_dialog_dispose;
  widget_class->unrealize = forge_branch_dialog_unrealize;
  object_class->finalize = forge_branch_dialog_finalize;

  signals[SWITCH] =
    g_signal_new ("switch", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE "/ui/forge-branch-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ForgeBranchDialog, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ForgeBranchDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, ForgeBranchDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, ForgeBranchDialog, list_box);
  gtk_widget_class_bind_template_child (widget_class, ForgeBranchDialog, error_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_switch);

  gtk_widget_class_install_action (widget_class, "branch.switch", NULL, switch_action);
  gtk_widget_class_install_action (widget_class, "branch.reload", NULL, reload_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
forge_branch_dialog_init (ForgeBranchDialog *self)
{
  self->cancellable = g_cancellable_new ();
  self->per_page = 100;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_filter_func (self->list_box, filter_row, self, NULL);
}

GtkWidget *
forge_branch_dialog_new (GtkWindow       *parent,
                         const char      *url,
                         const char      *current_ref,
                         ForgeGithubHost *github)
{
  ForgeBranchDialog *self;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (github == NULL || FORGE_IS_GITHUB_HOST (github), NULL);

  self = g_object_new (FORGE_TYPE_BRANCH_DIALOG,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->url = g_strdup (url);
  self->current_ref = g_strdup (current_ref);
  self->github = github != NULL ? g_object_ref (github) : NULL;
  load (self);

  return GTK_WIDGET (self);
}

void
_forge_branch_dialog_set_per_page (ForgeBranchDialog *self,
                                   guint              per_page)
{
  g_return_if_fail (FORGE_IS_BRANCH_DIALOG (self));
  self->per_page = MAX (per_page, 1);
  load (self);
}
