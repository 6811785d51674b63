/* forge-clone-and-preview.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/wait.h>

#include "forge-clone-and-preview.h"
#include "forge-framework.h"
#include "forge-git.h"
#include "forge-secrets.h"
#include "forge-server-probe.h"
#include "forge-util.h"

#define LOG_TAIL_LINES       20
#define PROBE_INTERVAL_MS    100
#define PORT_ATTEMPTS        3

/* Each project has a home of its own, but a repository's own code could
 * still plant a ~/.npmrc for its next install: npm reads no user
 * configuration inside. */
static const char * const sandbox_env[] = { "NPM_CONFIG_USERCONFIG=/dev/null", NULL };

struct _ForgeCloneAndPreview
{
  GObject              parent_instance;
  ForgeProjectStore   *store;
  ForgeSandboxManager *manager;
  ForgeWorkflowEngine *engine;     /* weak */
  gboolean             registered; /* the manager's restarter */
  GHashTable          *restarts;   /* run id → project id */
  guint                server_timeout;
  guint                sandbox_timeout;
  /* The only way to sandboxes: never a backend's own type. */
  ForgeSandboxProviders *providers;
};

G_DEFINE_FINAL_TYPE (ForgeCloneAndPreview, forge_clone_and_preview, G_TYPE_OBJECT)

/* What one command printed: its last lines (for error messages), the URL a
 * dev server announced, and where its lines go. Shared with the sandbox's
 * reader threads, which can outlive the run: a dev server keeps printing
 * after the run has handed it to the sandbox manager, and then its lines
 * go to the manager instead of the finished run. */
typedef struct
{
  gatomicrefcount   ref_count;
  GMutex            mutex;
  GCond             changed;       /* a line arrived */
  guint64           n_lines;       /* ever, not just those in the tail */
  const char       *stream;        /* "install" or "server" */
  GQueue            tail;
  char             *printed_url;
  ForgeStepContext *ctx;           /* while the run lasts */
  GWeakRef          manager;       /* after the hand-over */
  char             *project_id;
} CommandOutput;

static CommandOutput *
command_output_new (ForgeStepContext *ctx,
                    const char       *stream)
{
  CommandOutput *output = g_new0 (CommandOutput, 1);

  g_atomic_ref_count_init (&output->ref_count);
  g_mutex_init (&output->mutex);
  g_cond_init (&output->changed);
  g_queue_init (&output->tail);
  g_weak_ref_init (&output->manager, NULL);
  output->stream = stream;
  output->ctx = g_object_ref (ctx);

  return output;
}

static CommandOutput *
command_output_ref (CommandOutput *output)
{
  g_atomic_ref_count_inc (&output->ref_count);
  return output;
}

static void
command_output_unref (CommandOutput *output)
{
  if (!g_atomic_ref_count_dec (&output->ref_count))
    return;

  g_queue_clear_full (&output->tail, g_free);
  g_free (output->printed_url);
  g_clear_object (&output->ctx);
  g_weak_ref_clear (&output->manager);
  g_free (output->project_id);
  g_cond_clear (&output->changed);
  g_mutex_clear (&output->mutex);
  g_free (output);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CommandOutput, command_output_unref)

/* Called from the sandbox's reader threads. */
static void
command_line_cb (ForgeSandboxStream  stream,
                 const char         *line,
                 gpointer            user_data)
{
  CommandOutput *output = user_data;
  g_autofree char *plain = forge_strip_ansi (line);
  g_autofree char *url = NULL;
  g_autoptr(ForgeStepContext) ctx = NULL;
  g_autoptr(ForgeSandboxManager) manager = NULL;
  g_autofree char *project_id = NULL;

  if (g_str_equal (output->stream, "server"))
    url = forge_find_local_url (plain);

  g_mutex_lock (&output->mutex);
  g_queue_push_tail (&output->tail, g_strdup (plain));
  while (output->tail.length > LOG_TAIL_LINES)
    g_free (g_queue_pop_head (&output->tail));
  if (url != NULL && output->printed_url == NULL)
    output->printed_url = g_steal_pointer (&url);
  output->n_lines++;
  g_cond_broadcast (&output->changed);
  if (output->ctx != NULL)
    ctx = g_object_ref (output->ctx);
  else
    {
      manager = g_weak_ref_get (&output->manager);
      project_id = g_strdup (output->project_id);
    }
  g_mutex_unlock (&output->mutex);

  if (ctx != NULL)
    forge_step_context_log (ctx, output->stream, plain);
  else if (manager != NULL)
    forge_sandbox_manager_log (manager, project_id, output->stream, plain);
}

static void
command_output_hand_over (CommandOutput       *output,
                          ForgeSandboxManager *manager,
                          const char          *project_id)
{
  g_mutex_lock (&output->mutex);
  g_clear_object (&output->ctx);
  g_weak_ref_set (&output->manager, manager);
  g_free (output->project_id);
  output->project_id = g_strdup (project_id);
  g_mutex_unlock (&output->mutex);
}

static char *
command_output_dup_tail (CommandOutput *output)
{
  GString *text = g_string_new (NULL);

  g_mutex_lock (&output->mutex);
  for (GList *l = output->tail.head; l != NULL; l = l->next)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, l->data);
    }
  g_mutex_unlock (&output->mutex);

  return g_string_free (text, FALSE);
}

static char *
command_output_dup_last_line (CommandOutput *output)
{
  char *line = NULL;

  g_mutex_lock (&output->mutex);
  for (GList *l = output->tail.tail; l != NULL && line == NULL; l = l->prev)
    if (*(const char *) l->data != '\0')
      line = g_strdup (l->data);
  g_mutex_unlock (&output->mutex);

  return line;
}

static char *
command_output_dup_printed_url (CommandOutput *output)
{
  char *url;

  g_mutex_lock (&output->mutex);
  url = g_strdup (output->printed_url);
  g_mutex_unlock (&output->mutex);

  return url;
}

/* Sleeps up to timeout_ms, or less when a line arrives: a server saying
 * where it listens is probed at once. */
static void
command_output_wait_line (CommandOutput *output,
                          guint          timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint64 seen;

  g_mutex_lock (&output->mutex);
  seen = output->n_lines;
  while (output->n_lines == seen)
    if (!g_cond_wait_until (&output->changed, &output->mutex, end))
      break;
  g_mutex_unlock (&output->mutex);
}

static gboolean
command_output_contains (CommandOutput *output,
                         const char    *needle)
{
  gboolean found = FALSE;

  g_mutex_lock (&output->mutex);
  for (GList *l = output->tail.head; l != NULL && !found; l = l->next)
    found = strstr (l->data, needle) != NULL;
  g_mutex_unlock (&output->mutex);

  return found;
}

/* What one run carries between its steps, beside the journaled outputs.
 * Live objects (the sandbox) are never step outputs: they do not survive
 * the process, so a step that needs one makes it. */
typedef struct
{
  ForgeCloneAndPreview *self;
  ForgeStepContext     *ctx;
  char                 *project_id;
  char                 *repo_url;
  char                 *workspace_dir;
  char                 *repo_dir;
  char                 *git_dir;
  JsonNode             *integration;
  JsonNode             *clone;
  ForgeFramework       *framework;
  /* The project's sandbox backend, a name in self->providers. */
  char                 *backend;
  ForgeSandbox         *sandbox;
  /* A restart by the sandbox manager: the clone on disk is reused as it
   * is, no fetch, no token. */
  gboolean              restart;
} Run;

static void
run_free (Run *run)
{
  g_free (run->project_id);
  g_free (run->repo_url);
  g_free (run->workspace_dir);
  g_free (run->repo_dir);
  g_free (run->git_dir);
  g_clear_pointer (&run->integration, json_node_unref);
  g_clear_pointer (&run->clone, json_node_unref);
  g_clear_object (&run->framework);
  g_free (run->backend);
  g_clear_object (&run->sandbox);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
forge_clone_and_preview_dispose (GObject *object)
{
  ForgeCloneAndPreview *self = FORGE_CLONE_AND_PREVIEW (object);

  /* Also when the engine went first (its weak pointer is NULL then):
   * the manager must not keep calling into this object. */
  if (self->manager != NULL && self->registered)
    forge_sandbox_manager_set_restarter (self->manager, NULL, NULL, NULL);
  self->registered = FALSE;
  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      g_object_remove_weak_pointer (G_OBJECT (self->engine), (gpointer *) &self->engine);
      self->engine = NULL;
    }
  g_clear_object (&self->store);
  g_clear_object (&self->manager);
  g_clear_object (&self->providers);
  g_clear_pointer (&self->restarts, g_hash_table_unref);

  G_OBJECT_CLASS (forge_clone_and_preview_parent_class)->dispose (object);
}

static void
forge_clone_and_preview_class_init (ForgeCloneAndPreviewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = forge_clone_and_preview_dispose;
}

static void
forge_clone_and_preview_init (ForgeCloneAndPreview *self)
{
  self->server_timeout = 1200;
  self->sandbox_timeout = 600;
  self->restarts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ForgeCloneAndPreview *
forge_clone_and_preview_new (ForgeProjectStore     *store,
                             ForgeSandboxManager   *manager,
                             ForgeSandboxProviders *providers)
{
  ForgeCloneAndPreview *self = g_object_new (FORGE_TYPE_CLONE_AND_PREVIEW, NULL);

  self->store = g_object_ref (store);
  self->manager = g_object_ref (manager);
  self->providers = providers != NULL ? g_object_ref (providers) : forge_sandbox_providers_new ();

  return self;
}

void
forge_clone_and_preview_set_server_timeout (ForgeCloneAndPreview *self,
                                            guint                 seconds)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  self->server_timeout = MAX (seconds, 1);
}

void
forge_clone_and_preview_set_sandbox_timeout (ForgeCloneAndPreview *self,
                                             guint                 seconds)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  self->sandbox_timeout = MAX (seconds, 1);
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static void
make_non_retriable (GError **error)
{
  if (error == NULL || *error == NULL)
    return;

  (*error)->domain = FORGE_WORKFLOW_ERROR;
  (*error)->code = FORGE_WORKFLOW_ERROR_NON_RETRIABLE;
}

/* get-github-integration: only whether a token exists goes into the
 * journal; the token itself is read again, in memory, by the clone. */
static JsonNode *
get_github_integration (ForgeStepContext  *ctx,
                        gpointer           user_data,
                        GError           **error)
{
  Run *run = user_data;
  g_autofree char *host = forge_git_dup_host (run->repo_url);
  g_autoptr(GError) local_error = NULL;
  JsonObject *object = json_object_new ();
  char *token = NULL;

  if (run->restart && forge_repo_test (run->workspace_dir, "repo", FORGE_REPO_TEST_IS_DIR))
    {
      json_object_set_string_member (object, "host", host);
      json_object_set_boolean_member (object, "has_token", FALSE);
      json_object_set_boolean_member (object, "skipped", TRUE);
      return object_node (object);
    }

  if (host != NULL)
    token = forge_secrets_lookup_token (host, forge_step_context_get_cancellable (ctx), &local_error);
  json_object_set_string_member (object, "host", host);
  /* Not fatal: public repositories need no token. Kept to explain an
   * authentication failure later. */
  if (local_error != NULL)
    json_object_set_string_member (object, "keyring_error", local_error->message);

  json_object_set_boolean_member (object, "has_token", token != NULL);
  forge_secrets_free_token (token);

  return object_node (object);
}

static void
clone_progress_cb (ForgeGitPhase  phase,
                   guint64        current,
                   guint64        total,
                   guint64        bytes,
                   gpointer       user_data)
{
  Run *run = user_data;
  g_autofree char *text = NULL;
  g_autofree char *size = NULL;
  double fraction = total > 0 ? (double) current / (double) total : -1.0;

  switch (phase)
    {
    case FORGE_GIT_PHASE_RECEIVING:
      size = g_format_size (bytes);
      text = g_strdup_printf (_("Receiving objects: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " (%s)"),
                              current, total, size);
      break;

    case FORGE_GIT_PHASE_RESOLVING:
      text = g_strdup_printf (_("Resolving deltas: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT), current, total);
      break;

    case FORGE_GIT_PHASE_CHECKOUT:
    default:
      text = g_strdup_printf (_("Checking out files: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT), current, total);
      break;
    }

  forge_step_context_progress (run->ctx, fraction, text);
}

static JsonNode *
clone_repository (ForgeStepContext  *ctx,
                  gpointer           user_data,
                  GError           **error)
{
  Run *run = user_data;
  g_autofree char *head = NULL;
  g_autofree char *host = forge_git_dup_host (run->repo_url);
  char *token = NULL;
  JsonObject *object;
  gboolean ok;

  if (run->restart && forge_repo_test (run->workspace_dir, "repo", FORGE_REPO_TEST_IS_DIR))
    {
      object = json_object_new ();
      json_object_set_string_member (object, "repo_dir", run->repo_dir);
      json_object_set_boolean_member (object, "reused", TRUE);
      return object_node (object);
    }

  if (host != NULL && json_object_get_boolean_member_with_default (json_node_get_object (run->integration), "has_token", FALSE))
    token = forge_secrets_lookup_token (host, forge_step_context_get_cancellable (ctx), NULL);

  if (g_mkdir_with_parents (run->workspace_dir, 0700) != 0)
    {
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED,
                   _("Could not create the project folder %s: %s"), run->workspace_dir, g_strerror (errno));
      forge_secrets_free_token (token);
      return NULL;
    }

  ok = forge_git_clone_or_update (run->repo_url, run->git_dir, run->repo_dir, token,
                                  clone_progress_cb, run, &head,
                                  forge_step_context_get_cancellable (ctx), error);
  forge_secrets_free_token (token);

  if (!ok && error != NULL && *error != NULL &&
      g_error_matches (*error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED) &&
      json_object_has_member (json_node_get_object (run->integration), "keyring_error"))
    {
      g_autofree char *message = g_strdup_printf (_("%s needs a token, and the keyring could not be read (%s): unlock your keyring, then try again."),
                                                  run->repo_url,
                                                  json_object_get_string_member (json_node_get_object (run->integration), "keyring_error"));
      g_free ((*error)->message);
      (*error)->message = g_steal_pointer (&message);
    }

  if (!ok)
    {
      if (error != NULL && *error != NULL && (*error)->domain == FORGE_GIT_ERROR &&
          ((*error)->code == FORGE_GIT_ERROR_INVALID_URL ||
           (*error)->code == FORGE_GIT_ERROR_NOT_FOUND ||
           (*error)->code == FORGE_GIT_ERROR_AUTH_REQUIRED ||
           (*error)->code == FORGE_GIT_ERROR_DISK_FULL))
        make_non_retriable (error);
      return NULL;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "repo_dir", run->repo_dir);
  json_object_set_string_member (object, "head", head);
  return object_node (object);
}

static JsonNode *
detect_framework (ForgeStepContext  *ctx,
                  gpointer           user_data,
                  GError           **error)
{
  Run *run = user_data;
  g_autoptr(ForgeFramework) framework = forge_framework_detect (run->repo_dir, error);

  if (framework == NULL)
    {
      if (error != NULL && *error != NULL && (*error)->domain == FORGE_FRAMEWORK_ERROR)
        make_non_retriable (error);
      return NULL;
    }

  return forge_framework_to_json (framework);
}

/* The sandbox is made on demand: a resumed run finds none. */
/* Long enough for the step at hand: an install or a first build may
 * take longer than a sandbox's idle timeout. The manager takes over the
 * timeout once it adopts the sandbox. */
static guint
step_lifetime (Run *run)
{
  return MAX (run->self->sandbox_timeout, run->self->server_timeout) + 60;
}

/* The clone used a token: the backend keeps its packages from other
 * projects. */
static gboolean
cloned_with_token (Run *run)
{
  JsonObject *integration = run->integration != NULL && JSON_NODE_HOLDS_OBJECT (run->integration)
    ? json_node_get_object (run->integration) : NULL;

  return integration != NULL && json_object_get_boolean_member_with_default (integration, "has_token", FALSE);
}

static ForgeSandbox *
ensure_sandbox (Run     *run,
                GError **error)
{
  g_autoptr(ForgeSandboxProvider) provider = NULL;
  g_autofree char *network_note = NULL;
  ForgeSandboxRequest request = { 0 };

  if (run->sandbox != NULL && forge_sandbox_is_running (run->sandbox))
    {
      forge_sandbox_set_timeout (run->sandbox, step_lifetime (run), NULL);
      return run->sandbox;
    }

  g_clear_object (&run->sandbox);

  /* A project naming a backend this build does not have (a projects.json
   * from a newer version, "e2b" before its backend exists) cannot get
   * better by retrying. */
  provider = forge_sandbox_providers_lookup (run->self->providers, run->backend, error);
  if (provider == NULL)
    {
      make_non_retriable (error);
      return NULL;
    }

  request.project_id = run->project_id;
  request.workspace_dir = run->workspace_dir;
  request.repo_dir = run->repo_dir;
  request.timeout_seconds = step_lifetime (run);
  request.cloned_with_token = cloned_with_token (run);
  run->sandbox = forge_sandbox_provider_create_sandbox (provider, &request, error);
  if (run->sandbox == NULL)
    return NULL;

  /* Said at every start: the repository's code can then reach services
   * on this computer. */
  network_note = forge_sandbox_dup_network_note (run->sandbox);
  if (network_note != NULL)
    forge_step_context_log (run->ctx, "install", network_note);

  return run->sandbox;
}

/* What makes an install reusable: the lockfile (or package.json when there
 * is none) and the command that installed it. */
static char *
install_fingerprint (Run *run)
{
  const char *lockfile = forge_framework_get_lockfile (run->framework);
  /* Read without following symlinks: the last install's sandbox could
   * have left the lockfile a link to a host file or a FIFO. */
  g_autofree char *sum = forge_checksum_file (run->repo_dir, lockfile ? lockfile : "package.json",
                                              FORGE_REPO_LOCKFILE_MAX_SIZE, NULL);
  g_auto(GStrv) argv = forge_framework_dup_install_argv (run->framework);
  g_autofree char *command = argv ? g_strjoinv (" ", argv) : g_strdup ("");

  if (sum == NULL)
    return NULL;

  return g_strdup_printf ("%s %s", sum, command);
}

static char *
install_stamp_path (Run *run)
{
  return g_build_filename (run->workspace_dir, "install-stamp", NULL);
}

/* What the stamp says after an install, and must say for the next one to
 * be skipped: the fingerprint, and whether the install left no
 * node_modules (a project without dependencies): one that had them and
 * lost them no longer matches. */
static char *
stamp_for (Run        *run,
           const char *fingerprint)
{
  if (fingerprint == NULL)
    return NULL;

  if (forge_repo_test (run->repo_dir, "node_modules", FORGE_REPO_TEST_IS_DIR))
    return g_strdup (fingerprint);

  return g_strconcat (fingerprint, " no-node-modules", NULL);
}

static JsonNode *
install_dependencies (ForgeStepContext  *ctx,
                      gpointer           user_data,
                      GError           **error)
{
  Run *run = user_data;
  g_autofree char *fingerprint = NULL;
  g_autofree char *stamp_path = install_stamp_path (run);
  g_autofree char *stamp = NULL;
  g_autofree char *expected_stamp = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *command = NULL;
  g_autoptr(CommandOutput) output = NULL;
  JsonObject *object = json_object_new ();
  ForgeSandbox *sandbox;
  int status = 0;
  gint64 started = g_get_monotonic_time ();

  if (!forge_framework_needs_install (run->framework))
    {
      json_object_set_boolean_member (object, "skipped", TRUE);
      json_object_set_string_member (object, "reason", "nothing to install");
      return object_node (object);
    }

  fingerprint = install_fingerprint (run);
  expected_stamp = stamp_for (run, fingerprint);
  if (expected_stamp != NULL &&
      g_file_get_contents (stamp_path, &stamp, NULL, NULL) &&
      g_str_equal (g_strstrip (stamp), expected_stamp))
    {
      forge_step_context_log (ctx, "install", _("Dependencies are in sync with the lockfile; nothing to install."));
      json_object_set_boolean_member (object, "skipped", TRUE);
      json_object_set_string_member (object, "reason", "in sync");
      json_object_set_string_member (object, "fingerprint", fingerprint);
      return object_node (object);
    }

  sandbox = ensure_sandbox (run, error);
  if (sandbox == NULL)
    {
      json_object_unref (object);
      return NULL;
    }

  /* A stale stamp must not survive a failed install. */
  g_remove (stamp_path);

  argv = forge_framework_dup_install_argv (run->framework);
  command = g_strjoinv (" ", argv);
  forge_step_context_log (ctx, "install", command);

  output = command_output_new (ctx, "install");
  if (!forge_sandbox_run_sync (sandbox, (const char * const *) argv, sandbox_env, FORGE_SANDBOX_REPO_DIR,
                               command_line_cb, output, &status,
                               forge_step_context_get_cancellable (ctx), error))
    {
      json_object_unref (object);
      return NULL;
    }

  /* run_sync() gives the exit code (128+N for signal N), not a wait
   * status. */
  if (status != 0)
    {
      g_autofree char *last = command_output_dup_last_line (output);

      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED,
                   _("“%s” failed (exit %d)%s%s. Check the log, fix the repository or your network, and try again."),
                   command, status, last ? ": " : "", last ? last : "");
      json_object_unref (object);
      return NULL;
    }

  g_clear_pointer (&expected_stamp, g_free);
  if ((expected_stamp = stamp_for (run, fingerprint)))
    forge_write_file_atomic (stamp_path, expected_stamp, -1, NULL);

  json_object_set_boolean_member (object, "skipped", FALSE);
  json_object_set_string_member (object, "command", command);
  json_object_set_int_member (object, "duration_ms", (g_get_monotonic_time () - started) / 1000);
  if (fingerprint != NULL)
    json_object_set_string_member (object, "fingerprint", fingerprint);
  return object_node (object);
}

static char *
with_host (const char *url,
           const char *host,
           int         port)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) changed = NULL;

  if (uri == NULL)
    return NULL;

  changed = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, host,
                         port, g_uri_get_path (uri), g_uri_get_query (uri), NULL);
  return g_uri_to_string (changed);
}

/* "127.0.0.1:N" as from forge_sandbox_expose_port() */
static gboolean
split_authority (const char  *authority,
                 char       **host,
                 int         *port)
{
  const char *colon = authority != NULL ? strrchr (authority, ':') : NULL;
  guint64 value;

  if (colon == NULL || colon == authority ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &value, NULL))
    return FALSE;

  *host = g_strndup (authority, colon - authority);
  *port = (int) value;
  return TRUE;
}

/* Where the host reaches what a server inside announced (its own port
 * may differ from the one it was given: a tool that moved, or one with a
 * port of its own), keeping the announced path. */
static void
add_printed_candidates (Run                  *run,
                        ForgeSandboxProcess  *process,
                        const char           *printed,
                        GHashTable           *exposed,
                        gboolean              shared_network,
                        GPtrArray            *candidates)
{
  g_autoptr(GUri) uri = g_uri_parse (printed, G_URI_FLAGS_NONE, NULL);
  g_autofree char *host = NULL;
  const char *authority;
  int port;

  if (uri == NULL || g_uri_get_port (uri) <= 0)
    return;

  port = g_uri_get_port (uri);
  authority = g_hash_table_lookup (exposed, GINT_TO_POINTER (port));
  if (authority == NULL)
    {
      g_autoptr(GError) error = NULL;
      char *exposed_authority = forge_sandbox_expose_port (run->sandbox, process, port, &error);

      /* Asked once per port, whatever the answer. */
      if (exposed_authority == NULL)
        g_debug ("Could not forward port %d of the dev server: %s", port, error->message);
      g_hash_table_insert (exposed, GINT_TO_POINTER (port),
                           exposed_authority != NULL ? exposed_authority : g_strdup (""));
      authority = g_hash_table_lookup (exposed, GINT_TO_POINTER (port));
    }

  if (!split_authority (authority, &host, &port))
    return;

  g_ptr_array_add (candidates, with_host (printed, host, port));
  /* On the host's network "localhost" may be either address family. */
  if (shared_network)
    g_ptr_array_add (candidates, with_host (printed, "::1", port));
}

typedef enum
{
  SERVER_READY,
  SERVER_EXITED,
  SERVER_TIMED_OUT,
  SERVER_CANCELLED,
} ServerOutcome;

static ServerOutcome
wait_for_server (Run                  *run,
                 CommandOutput        *output,
                 ForgeSandboxProcess  *process,
                 guint                 port,
                 const char           *authority,
                 char                **ready_url)
{
  GCancellable *cancellable = forge_step_context_get_cancellable (run->ctx);
  g_autoptr(ForgeServerProbe) probe = forge_server_probe_new ();
  g_autoptr(GHashTable) exposed = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  gint64 deadline = g_get_monotonic_time () + (gint64) run->self->server_timeout * G_USEC_PER_SEC;
  g_autofree char *ipv4 = g_strdup_printf ("http://%s/", authority);
  g_autofree char *ipv6 = NULL;
  /* On the host's network a server may have taken ::1 as well. */
  gboolean shared_network = forge_sandbox_shares_host_network (run->sandbox);

  /* A candidate that accepts and stays silent must not hold up the
   * others for long. */
  forge_server_probe_set_timeout (probe, 2);
  g_hash_table_insert (exposed, GUINT_TO_POINTER (port), g_strdup (authority));
  if (shared_network)
    ipv6 = g_strdup_printf ("http://[::1]:%u/", port);

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *printed = NULL;
      g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);

      if (g_cancellable_is_cancelled (cancellable))
        return SERVER_CANCELLED;
      if (!forge_sandbox_process_is_running (process))
        return SERVER_EXITED;

      printed = command_output_dup_printed_url (output);

      /* The printed URL carries a base path, and the real port when the
       * tool moved. */
      if (printed != NULL)
        add_printed_candidates (run, process, printed, exposed, shared_network, candidates);
      g_ptr_array_add (candidates, g_strdup (ipv4));
      if (ipv6 != NULL)
        g_ptr_array_add (candidates, g_strdup (ipv6));

      for (guint i = 0; i < candidates->len; i++)
        {
          const char *url = g_ptr_array_index (candidates, i);

          if (url != NULL && forge_server_probe_check_sync (probe, url, ready_url, cancellable, NULL))
            return SERVER_READY;
        }

      command_output_wait_line (output, PROBE_INTERVAL_MS);
    }

  return SERVER_TIMED_OUT;
}

static gboolean
exited_for_busy_port (CommandOutput *output)
{
  return command_output_contains (output, "EADDRINUSE") ||
         command_output_contains (output, "already in use") ||
         command_output_contains (output, "is in use");
}

/* True for a script body that is one plain command: words of safe
 * characters, nothing a shell would interpret. */
static gboolean
is_plain_command (const char *body)
{
  if (body == NULL || *body == '\0')
    return FALSE;

  for (const char *p = body; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr (" ._-/:@+,=", *p) == NULL)
      return FALSE;

  /* "NODE_ENV=x vite" sets a variable: leave that to the shell. */
  return strchr (body, '=') == NULL || strchr (body, ' ') < strchr (body, '=');
}

/* `npm run dev -- FLAGS` pays for npm's own start-up on every start and
 * every restart. When the script is one plain command from
 * node_modules/.bin, run that binary with the same arguments, as npm
 * itself would, without npm. */
static char **
direct_dev_argv (Run          *run,
                 char * const *argv)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_auto(GStrv) words = NULL;
  g_autofree char *bin = NULL;
  g_autoptr(GPtrArray) direct = NULL;
  JsonObject *scripts;
  JsonNode *root;
  const char *body;
  guint first_flag;

  if (g_strv_length ((char **) argv) < 3 ||
      !g_str_equal (argv[0], "npm") || !g_str_equal (argv[1], "run"))
    return NULL;

  /* The install ran repository code that could have swapped package.json
   * for a symlink or a FIFO since detection read it. */
  if (!forge_read_repo_file (run->repo_dir, "package.json", FORGE_REPO_MANIFEST_MAX_SIZE,
                             &contents, &length, NULL) ||
      !json_parser_load_from_data (parser, contents, length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "scripts") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "scripts")))
    return NULL;

  scripts = json_object_get_object_member (json_node_get_object (root), "scripts");
  body = json_object_get_string_member_with_default (scripts, argv[2], NULL);
  if (!is_plain_command (body))
    return NULL;

  words = g_strsplit_set (body, " ", -1);
  /* npm links .bin entries to their package: look at the link itself,
   * which the sandbox resolves in its own view of the files. */
  bin = g_build_filename ("node_modules", ".bin", words[0], NULL);
  if (!forge_repo_test (run->repo_dir, bin, FORGE_REPO_TEST_IS_REGULAR | FORGE_REPO_TEST_IS_SYMLINK))
    return NULL;

  direct = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (direct, g_build_filename (FORGE_SANDBOX_REPO_DIR, "node_modules", ".bin", words[0], NULL));
  for (guint i = 1; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_ptr_array_add (direct, g_strdup (words[i]));
  first_flag = argv[3] != NULL && g_str_equal (argv[3], "--") ? 4 : 3;
  for (guint i = first_flag; argv[i] != NULL; i++)
    g_ptr_array_add (direct, g_strdup (argv[i]));
  g_ptr_array_add (direct, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&direct), FALSE);
}

static JsonNode *
start_preview_server (ForgeStepContext  *ctx,
                      gpointer           user_data,
                      GError           **error)
{
  Run *run = user_data;
  ForgeSandbox *sandbox;

  sandbox = ensure_sandbox (run, error);
  if (sandbox == NULL)
    return NULL;

  for (guint attempt = 1; attempt <= PORT_ATTEMPTS; attempt++)
    {
      g_autoptr(ForgeSandboxProcess) process = NULL;
      g_auto(GStrv) argv = NULL;
      g_auto(GStrv) env = NULL;
      g_autofree char *command = NULL;
      g_autofree char *ready_url = NULL;
      g_autofree char *tail = NULL;
      g_autofree char *listen_address = NULL;
      g_autofree char *authority = NULL;
      g_autoptr(CommandOutput) output = NULL;
      ServerOutcome outcome;
      guint port;

      if (!forge_sandbox_get_listen_address (sandbox, attempt, &listen_address, &port, error))
        return NULL;

      argv = forge_framework_dup_dev_argv (run->framework, listen_address, port);
      env = forge_framework_dup_dev_env (run->framework, listen_address, port);
      env = g_environ_setenv (env, "NPM_CONFIG_USERCONFIG", "/dev/null", TRUE);
      {
        char **direct = direct_dev_argv (run, argv);

        if (direct != NULL)
          {
            g_strfreev (argv);
            argv = direct;
            /* What npm run would add: the package's binaries on PATH. */
            env = g_environ_setenv (env, "PATH",
                                    FORGE_SANDBOX_REPO_DIR "/node_modules/.bin:/opt/forge/bin:/usr/local/bin:/usr/bin:/bin",
                                    TRUE);
            env = g_environ_setenv (env, "npm_lifecycle_event", forge_framework_get_dev_script (run->framework), TRUE);
          }
      }
      command = g_strjoinv (" ", argv);
      forge_step_context_log (ctx, "server", command);

      output = command_output_new (ctx, "server");
      process = forge_sandbox_spawn (sandbox, (const char * const *) argv, (const char * const *) env,
                                     FORGE_SANDBOX_REPO_DIR, command_line_cb,
                                     command_output_ref (output), (GDestroyNotify) command_output_unref,
                                     error);
      if (process == NULL)
        return NULL;

      authority = forge_sandbox_expose_port (sandbox, process, port, error);
      if (authority == NULL)
        {
          forge_sandbox_process_kill (process);
          return NULL;
        }

      outcome = wait_for_server (run, output, process, port, authority, &ready_url);

      /* Cancelled while it came up: it must not be handed over. */
      if (outcome == SERVER_READY && g_cancellable_is_cancelled (forge_step_context_get_cancellable (ctx)))
        outcome = SERVER_CANCELLED;

      if (outcome == SERVER_READY)
        {
          JsonObject *object = json_object_new ();

          forge_sandbox_manager_adopt (run->self->manager, run->project_id, sandbox, process, ready_url);
          command_output_hand_over (output, run->self->manager, run->project_id);

          json_object_set_string_member (object, "url", ready_url);
          json_object_set_int_member (object, "port", port);
          json_object_set_string_member (object, "sandbox_id", forge_sandbox_get_id (sandbox));
          json_object_set_string_member (object, "network",
                                         forge_sandbox_shares_host_network (sandbox)
                                         ? "shared" : "isolated");
          json_object_set_string_member (object, "command", command);
          return object_node (object);
        }

      forge_sandbox_process_kill (process);

      if (outcome == SERVER_CANCELLED)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
          return NULL;
        }

      tail = command_output_dup_tail (output);

      if (outcome == SERVER_TIMED_OUT)
        {
          /* Waiting the whole limit again would end the same way. */
          forge_step_context_fail_with_log (ctx, error, tail, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                                            _("The dev server (“%s”) did not answer within %u seconds. Check the log, then try again or raise the limit in Preferences."),
                                            command, run->self->server_timeout);
          return NULL;
        }

      if (exited_for_busy_port (output) && attempt < PORT_ATTEMPTS)
        {
          forge_step_context_log (ctx, "server", _("The port was taken; trying another one."));
          continue;
        }

      {
        int status = forge_sandbox_process_get_status (process);
        int code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);

        /* The repository's own code failed: another try runs it again. */
        forge_step_context_fail_with_log (ctx, error, tail, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                                          _("The dev server (“%s”) exited with status %d before answering. Check the log below, fix the repository and try again."),
                                          command, code);
        return NULL;
      }
    }

  g_assert_not_reached ();
  return NULL;
}

static gboolean
server_is_live (Run      *run,
                JsonNode *server)
{
  g_autoptr(ForgeSandbox) sandbox = forge_sandbox_manager_dup_sandbox (run->self->manager, run->project_id);
  g_autoptr(ForgeSandboxProcess) process = forge_sandbox_manager_dup_server (run->self->manager, run->project_id);
  const char *sandbox_id = JSON_NODE_HOLDS_OBJECT (server)
    ? json_object_get_string_member_with_default (json_node_get_object (server), "sandbox_id", NULL)
    : NULL;

  return sandbox != NULL && process != NULL &&
         forge_sandbox_is_running (sandbox) &&
         forge_sandbox_process_is_running (process) &&
         g_strcmp0 (forge_sandbox_get_id (sandbox), sandbox_id) == 0;
}

typedef struct
{
  Run      *run;
  JsonNode *server;
} UpdateData;

static JsonNode *
update_project (ForgeStepContext  *ctx,
                gpointer           user_data,
                GError           **error)
{
  UpdateData *data = user_data;
  Run *run = data->run;
  JsonObject *server = json_node_get_object (data->server);
  g_autoptr(JsonObject) changes = json_object_new ();
  g_autofree char *owner = NULL;
  g_autofree char *repo = NULL;
  JsonObject *object = json_object_new ();

  json_object_set_string_member (changes, "status", "deployed");
  json_object_set_string_member (changes, "preview_url", json_object_get_string_member (server, "url"));
  json_object_set_string_member (changes, "sandbox_id", json_object_get_string_member (server, "sandbox_id"));
  json_object_set_string_member (changes, "framework", forge_framework_get_id (run->framework));
  json_object_set_string_member (changes, "package_manager", forge_framework_get_package_manager (run->framework));
  json_object_set_null_member (changes, "last_error");
  if (forge_git_parse_owner_repo (run->repo_url, &owner, &repo))
    {
      g_autofree char *owner_repo = g_strdup_printf ("%s/%s", owner, repo);
      json_object_set_string_member (changes, "owner_repo", owner_repo);
    }

  forge_project_store_update_from_thread (run->self->store, run->project_id, changes);

  json_object_set_string_member (object, "status", "deployed");
  return object_node (object);
}

static void
mark_failed (Run          *run,
             const GError *error,
             gboolean      cancelled)
{
  g_autoptr(JsonObject) changes = json_object_new ();

  if (cancelled || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    json_object_set_string_member (changes, "status", "stopped");
  else
    {
      json_object_set_string_member (changes, "status", "failed");
      json_object_set_string_member (changes, "last_error", error->message);
    }
  forge_project_store_update_from_thread (run->self->store, run->project_id, changes);
}

/* Event data can come back from a journal on disk: json-glib's getters
 * warn about a member of another type, so look before taking it. */
static const char *
event_string (JsonObject *data,
              const char *name)
{
  JsonNode *node = json_object_get_member (data, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Step ids are machine names; people read these titles. Kept next to the
 * workflow so that a new step cannot miss its title. */
static const struct
{
  const char *id;
  const char *title;
} step_titles[] = {
  { FORGE_STEP_GET_GITHUB_INTEGRATION, N_("Look up access token") },
  { FORGE_STEP_CLONE_REPOSITORY, N_("Clone repository") },
  { FORGE_STEP_DETECT_FRAMEWORK, N_("Detect framework") },
  { FORGE_STEP_INSTALL_DEPENDENCIES, N_("Install dependencies") },
  { FORGE_STEP_START_PREVIEW_SERVER, N_("Start dev server") },
  { FORGE_STEP_UPDATE_PROJECT, N_("Save project") },
};

const char * const *
forge_clone_and_preview_get_step_ids (void)
{
  static const char * const ids[] = {
    FORGE_STEP_GET_GITHUB_INTEGRATION,
    FORGE_STEP_CLONE_REPOSITORY,
    FORGE_STEP_DETECT_FRAMEWORK,
    FORGE_STEP_INSTALL_DEPENDENCIES,
    FORGE_STEP_START_PREVIEW_SERVER,
    FORGE_STEP_UPDATE_PROJECT,
    NULL
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (ids) == G_N_ELEMENTS (step_titles) + 1);
  return ids;
}

const char *
forge_clone_and_preview_step_title (const char *step_id)
{
  size_t base_length;

  g_return_val_if_fail (step_id != NULL, NULL);

  /* The engine names the second run of a step "<id>:1" (see
   * forge_step_run()); it is the same step to the reader. */
  base_length = strcspn (step_id, ":");
  for (guint i = 0; i < G_N_ELEMENTS (step_titles); i++)
    if (strlen (step_titles[i].id) == base_length && strncmp (step_id, step_titles[i].id, base_length) == 0)
      return _(step_titles[i].title);

  return step_id;
}

static JsonNode *
clone_and_preview (ForgeStepContext  *ctx,
                   JsonNode          *event_data,
                   gpointer           user_data,
                   GError           **error)
{
  ForgeCloneAndPreview *self = user_data;
  g_autoptr(Run) run = g_new0 (Run, 1);
  g_autoptr(JsonNode) framework_node = NULL;
  g_autoptr(JsonNode) install = NULL;
  g_autoptr(JsonNode) server = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *data;
  JsonObject *output;
  UpdateData update_data;

  if (event_data == NULL || !JSON_NODE_HOLDS_OBJECT (event_data))
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                           "The clone-and-preview event carries no data");
      return NULL;
    }

  data = json_node_get_object (event_data);
  run->self = self;
  run->ctx = ctx;
  run->project_id = g_strdup (event_string (data, "project_id"));
  run->repo_url = g_strdup (event_string (data, "repo_url"));
  if (run->project_id == NULL || run->repo_url == NULL)
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                           "The clone-and-preview event needs a project_id and a repo_url");
      return NULL;
    }
  /* The id names the workspace folder this run clones into (and a
   * removal deletes): "../../x" in an event must not choose it. */
  if (!forge_project_id_is_valid (run->project_id))
    {
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                   "The clone-and-preview event's project_id “%s” is not a project id", run->project_id);
      return NULL;
    }
  run->restart = json_object_get_boolean_member_with_default (data, "restart", FALSE);
  /* Events journaled before backends existed name none. */
  run->backend = g_strdup (event_string (data, "backend"));
  if (run->backend == NULL)
    run->backend = g_strdup (FORGE_PROJECT_DEFAULT_BACKEND);

  /* A restart resumed from an earlier process has nobody waiting for it. */
  if (run->restart && !forge_sandbox_manager_expects_restart (self->manager, run->project_id))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "The sandbox manager no longer waits for this restart");
      return NULL;
    }
  run->workspace_dir = forge_project_workspace_dir_for_id (run->project_id);
  g_assert (run->workspace_dir != NULL);
  /* Only "repo" is bound into the sandbox; the git directory stays out
   * of its reach (see forge_git_clone_or_update()). */
  run->repo_dir = g_build_filename (run->workspace_dir, "repo", NULL);
  run->git_dir = g_build_filename (run->workspace_dir, "git", NULL);

  if (!(run->integration = forge_step_run (ctx, FORGE_STEP_GET_GITHUB_INTEGRATION, get_github_integration, run, &local_error)) ||
      !(run->clone = forge_step_run (ctx, FORGE_STEP_CLONE_REPOSITORY, clone_repository, run, &local_error)) ||
      !(framework_node = forge_step_run (ctx, FORGE_STEP_DETECT_FRAMEWORK, detect_framework, run, &local_error)) ||
      !(run->framework = forge_framework_new_from_json (framework_node, &local_error)) ||
      !(install = forge_step_run (ctx, FORGE_STEP_INSTALL_DEPENDENCIES, install_dependencies, run, &local_error)) ||
      !(server = forge_step_run (ctx, FORGE_STEP_START_PREVIEW_SERVER, start_preview_server, run, &local_error)))
    goto failed;

  /* A resumed run gets the stored output of a server that died with the
   * process that started it: start it again (as "start-preview-server:1"). */
  if (!server_is_live (run, server))
    {
      g_clear_pointer (&server, json_node_unref);
      if (!(server = forge_step_run (ctx, FORGE_STEP_START_PREVIEW_SERVER, start_preview_server, run, &local_error)))
        goto failed;
    }

  update_data.run = run;
  update_data.server = server;
  if (!(updated = forge_step_run (ctx, FORGE_STEP_UPDATE_PROJECT, update_project, &update_data, &local_error)))
    goto failed;

  /* The manager owns the sandbox from here on. */
  g_clear_object (&run->sandbox);

  output = json_object_new ();
  json_object_set_string_member (output, "project_id", run->project_id);
  json_object_set_string_member (output, "preview_url", json_object_get_string_member (json_node_get_object (server), "url"));
  json_object_set_string_member (output, "sandbox_id", json_object_get_string_member (json_node_get_object (server), "sandbox_id"));
  /* "isolated", or "shared" when the sandbox runs on the host's network. */
  json_object_set_string_member (output, "network",
                                 json_object_get_string_member_with_default (json_node_get_object (server), "network", "shared"));
  json_object_set_string_member (output, "framework", forge_framework_get_id (run->framework));
  json_object_set_string_member (output, "package_manager", forge_framework_get_package_manager (run->framework));
  return object_node (output);

failed:
  /* Nothing the run started may outlive it. */
  if (forge_step_context_will_retry (ctx))
    {
      if (run->sandbox != NULL)
        forge_sandbox_kill (run->sandbox);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (run->sandbox != NULL)
    {
      g_autoptr(ForgeSandbox) adopted = forge_sandbox_manager_dup_sandbox (self->manager, run->project_id);

      if (adopted != run->sandbox)
        forge_sandbox_kill (run->sandbox);
    }
  mark_failed (run, local_error, g_cancellable_is_cancelled (forge_step_context_get_cancellable (ctx)));
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static void
restart_run_finished_cb (ForgeWorkflowEngine  *engine,
                         const char           *run_id,
                         ForgeRunStatus        status,
                         JsonNode             *output,
                         const char           *error_message,
                         ForgeCloneAndPreview *self)
{
  g_autofree char *project_id = NULL;

  if (!g_hash_table_steal_extended (self->restarts, run_id, NULL, (gpointer *) &project_id))
    return;

  if (status == FORGE_RUN_STATUS_CANCELLED)
    forge_sandbox_manager_restart_cancelled (self->manager, project_id);
  else
    forge_sandbox_manager_restart_finished (self->manager, project_id,
                                            status == FORGE_RUN_STATUS_COMPLETED, error_message);
}

/* The manager's restarter: a restart is a workflow run like any other. */
static void
restart_cb (ForgeSandboxManager *manager,
            const char          *project_id,
            gpointer             user_data)
{
  ForgeCloneAndPreview *self = user_data;
  ForgeProject *project = forge_project_store_lookup (self->store, project_id);
  g_autoptr(JsonNode) data = NULL;
  JsonObject *object;
  char *run_id;

  if (project == NULL || self->engine == NULL)
    {
      forge_sandbox_manager_restart_finished (manager, project_id, FALSE, "The project is gone");
      return;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "project_id", project_id);
  json_object_set_string_member (object, "repo_url", forge_project_get_repo_url (project));
  json_object_set_string_member (object, "backend", forge_project_get_backend (project));
  json_object_set_boolean_member (object, "restart", TRUE);
  data = object_node (object);

  run_id = forge_workflow_engine_send (self->engine, FORGE_RESTART_PREVIEW_EVENT, data);
  if (run_id == NULL)
    {
      forge_sandbox_manager_restart_finished (manager, project_id, FALSE, "No restart function is registered");
      return;
    }

  g_hash_table_insert (self->restarts, run_id, g_strdup (project_id));
}

void
forge_clone_and_preview_register (ForgeCloneAndPreview *self,
                                  ForgeWorkflowEngine  *engine)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (engine));
  g_return_if_fail (self->engine == NULL);

  /* The engine owns this object (as its functions' data): a reference
   * back would be a cycle. */
  self->engine = engine;
  g_object_add_weak_pointer (G_OBJECT (engine), (gpointer *) &self->engine);

  forge_workflow_engine_register (engine,
                                  FORGE_CLONE_AND_PREVIEW_FUNCTION,
                                  FORGE_CLONE_AND_PREVIEW_EVENT,
                                  clone_and_preview,
                                  g_object_ref (self),
                                  g_object_unref);
  forge_workflow_engine_register (engine,
                                  FORGE_RESTART_PREVIEW_FUNCTION,
                                  FORGE_RESTART_PREVIEW_EVENT,
                                  clone_and_preview,
                                  g_object_ref (self),
                                  g_object_unref);

  /* As the seed's function: one retry, five at once. A restart is not
   * retried by the engine: the manager counts failed starts itself. */
  forge_workflow_engine_set_function_options (engine, FORGE_CLONE_AND_PREVIEW_FUNCTION, 1, 5);
  forge_workflow_engine_set_function_options (engine, FORGE_RESTART_PREVIEW_FUNCTION, 0, 5);
  /* Opening a project again, or removing it, supersedes its runs. */
  for (guint i = 0; i < 2; i++)
    {
      const char *function_id = i == 0 ? FORGE_CLONE_AND_PREVIEW_FUNCTION : FORGE_RESTART_PREVIEW_FUNCTION;

      forge_workflow_engine_add_cancel_on (engine, function_id, FORGE_CLONE_AND_PREVIEW_EVENT, "project_id");
      forge_workflow_engine_add_cancel_on (engine, function_id, FORGE_PROJECT_REMOVED_EVENT, "project_id");
    }

  g_signal_connect (engine, "run-finished", G_CALLBACK (restart_run_finished_cb), self);
  forge_sandbox_manager_set_restarter (self->manager, restart_cb, self, NULL);
  self->registered = TRUE;
}

char *
forge_clone_and_preview_start (ForgeWorkflowEngine  *engine,
                               ForgeProjectStore    *store,
                               const char           *repo_url,
                               const char           *backend,
                               char                **project_id,
                               GError              **error)
{
  g_autofree char *normalized = NULL;
  g_autoptr(JsonObject) reset = json_object_new ();
  g_autoptr(JsonNode) data = NULL;
  JsonObject *object;
  ForgeProject *project;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (engine), NULL);
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (store), NULL);

  normalized = forge_git_normalize_url (repo_url, error);
  if (normalized == NULL)
    return NULL;

  project = forge_project_store_ensure (store, normalized);
  json_object_set_string_member (reset, "status", "generating");
  json_object_set_null_member (reset, "last_error");
  if (backend != NULL)
    json_object_set_string_member (reset, "backend", backend);
  forge_project_store_update (store, forge_project_get_id (project), reset);

  if (project_id != NULL)
    *project_id = g_strdup (forge_project_get_id (project));

  /* A run a crash interrupted picks up where it stopped. */
  {
    g_autofree char *unfinished = forge_workflow_engine_find_unfinished_run (engine, FORGE_CLONE_AND_PREVIEW_FUNCTION,
                                                                            "project_id", forge_project_get_id (project));

    if (unfinished != NULL && forge_workflow_engine_resume_run (engine, unfinished, NULL))
      return g_steal_pointer (&unfinished);
  }

  object = json_object_new ();
  json_object_set_string_member (object, "project_id", forge_project_get_id (project));
  json_object_set_string_member (object, "repo_url", normalized);
  json_object_set_string_member (object, "backend", forge_project_get_backend (project));
  data = object_node (object);

  return forge_workflow_engine_send (engine, FORGE_CLONE_AND_PREVIEW_EVENT, data);
}
