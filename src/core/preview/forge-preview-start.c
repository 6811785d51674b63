/* forge-preview-start.c
 *
 * The start-preview-server step: the dev server started in the sandbox,
 * on the address the sandbox gives, and probed where the sandbox says
 * the host can reach it until it answers, then handed to the sandbox
 * manager.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <sys/wait.h>

#include <glib/gi18n.h>

#include "forge-command-output.h"
#include "forge-preview-run-private.h"
#include "forge-server-probe.h"
#include "forge-util.h"

#define PROBE_INTERVAL_MS    100
#define PORT_ATTEMPTS        3

/* Where the host reaches what a server inside announced (its own port
 * may differ from the one it was given: a tool that moved, or one with a
 * port of its own), keeping the announced path. */
static void
add_printed_candidates (ForgePreviewRun      *run,
                        ForgeSandboxProcess  *process,
                        const char           *printed,
                        GHashTable           *exposed,
                        GPtrArray            *candidates)
{
  g_autoptr(GUri) uri = g_uri_parse (printed, G_URI_FLAGS_NONE, NULL);
  g_auto(GStrv) urls = NULL;
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

  if (*authority == '\0')
    return;

  urls = forge_sandbox_dup_preview_urls (run->sandbox, authority, printed);
  for (guint i = 0; urls[i] != NULL; i++)
    g_ptr_array_add (candidates, g_strdup (urls[i]));
}

typedef enum
{
  SERVER_READY,
  SERVER_EXITED,
  SERVER_TIMED_OUT,
  SERVER_CANCELLED,
} ServerOutcome;

static ServerOutcome
wait_for_server (ForgePreviewRun      *run,
                 ForgeCommandOutput   *output,
                 ForgeSandboxProcess  *process,
                 guint                 port,
                 const char           *authority,
                 char                **ready_url)
{
  GCancellable *cancellable = forge_step_context_get_cancellable (run->ctx);
  g_autoptr(ForgeServerProbe) probe = forge_server_probe_new ();
  g_autoptr(GHashTable) exposed = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  gint64 deadline = g_get_monotonic_time () + (gint64) run->self->server_timeout * G_USEC_PER_SEC;
  /* The port it was given, at the root, wherever the sandbox says the
   * host may find it. */
  g_auto(GStrv) given_urls = forge_sandbox_dup_preview_urls (run->sandbox, authority, NULL);

  /* A candidate that accepts and stays silent must not hold up the
   * others for long. */
  forge_server_probe_set_timeout (probe, 2);
  g_hash_table_insert (exposed, GUINT_TO_POINTER (port), g_strdup (authority));

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *printed = NULL;
      g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);

      if (g_cancellable_is_cancelled (cancellable))
        return SERVER_CANCELLED;
      if (!forge_sandbox_process_is_running (process))
        return SERVER_EXITED;

      printed = forge_command_output_dup_printed_url (output);

      /* The printed URL carries a base path, and the real port when the
       * tool moved. */
      if (printed != NULL)
        add_printed_candidates (run, process, printed, exposed, candidates);
      for (guint i = 0; given_urls[i] != NULL; i++)
        g_ptr_array_add (candidates, g_strdup (given_urls[i]));

      for (guint i = 0; i < candidates->len; i++)
        {
          const char *url = g_ptr_array_index (candidates, i);

          if (url != NULL && forge_server_probe_check_sync (probe, url, ready_url, cancellable, NULL))
            return SERVER_READY;
        }

      forge_command_output_wait_line (output, PROBE_INTERVAL_MS);
    }

  return SERVER_TIMED_OUT;
}

static gboolean
exited_for_busy_port (ForgeCommandOutput *output)
{
  return forge_command_output_contains (output, "EADDRINUSE") ||
         forge_command_output_contains (output, "already in use") ||
         forge_command_output_contains (output, "is in use");
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
direct_dev_argv (ForgePreviewRun  *run,
                 char * const     *argv)
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

  /* A workspace's package: its script and binaries are not the root's. */
  if (g_strv_length ((char **) argv) < 3 ||
      !g_str_equal (argv[0], "npm") || !g_str_equal (argv[1], "run") ||
      forge_framework_get_package_dir (run->framework) != NULL)
    return NULL;

  /* The install ran repository code that could have swapped package.json
   * for a symlink or a FIFO since detection read it. */
  if (!forge_workspace_read_file (run->workspace, "package.json", FORGE_REPO_MANIFEST_MAX_SIZE,
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
  if (!forge_workspace_test (run->workspace, bin, FORGE_REPO_TEST_IS_REGULAR | FORGE_REPO_TEST_IS_SYMLINK))
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

/* The project's own dev command runs through the shell (it is the
 * user's, inside the sandbox); else the framework's, straight from
 * node_modules/.bin when it can. */
static char **
dev_argv (ForgePreviewRun *run,
          const char      *listen_address,
          guint            port)
{
  const char *custom = forge_run_env_get_dev_command (run->env);
  char **argv;
  char **direct;

  if (custom != NULL)
    {
      const char * const shell[] = { "sh", "-c", custom, NULL };

      return g_strdupv ((char **) shell);
    }

  argv = forge_framework_dup_dev_argv (run->framework, listen_address, port);
  direct = direct_dev_argv (run, argv);
  if (direct == NULL)
    return argv;

  g_strfreev (argv);
  return direct;
}

/* The framework's variables, the project's over them, and what the
 * sandbox decides over both: where to listen (the port has a field of
 * its own), and that npm reads no user configuration a repository could
 * have planted in the home. */
static char **
dev_env (ForgePreviewRun *run,
         const char      *listen_address,
         guint            port,
         char * const    *argv)
{
  g_auto(GStrv) framework_env = forge_framework_dup_dev_env (run->framework, listen_address, port);
  char **env = forge_run_env_apply (run->env, g_strdupv (framework_env));

  env = g_environ_setenv (env, "PORT", g_environ_getenv (framework_env, "PORT"), TRUE);
  env = g_environ_setenv (env, "HOST", g_environ_getenv (framework_env, "HOST"), TRUE);
  env = g_environ_setenv (env, "NPM_CONFIG_USERCONFIG", "/dev/null", TRUE);

  /* Run without npm (see direct_dev_argv()): what npm run would add,
   * the package's binaries on PATH. */
  if (forge_run_env_get_dev_command (run->env) == NULL && argv[0] != NULL &&
      g_str_has_prefix (argv[0], FORGE_SANDBOX_REPO_DIR "/node_modules/.bin/"))
    {
      env = g_environ_setenv (env, "PATH",
                              FORGE_SANDBOX_REPO_DIR "/node_modules/.bin:/opt/forge/bin:/usr/local/bin:/usr/bin:/bin",
                              TRUE);
      env = g_environ_setenv (env, "npm_lifecycle_event", forge_framework_get_dev_script (run->framework), TRUE);
    }

  return env;
}

static guint
authority_get_port (const char *authority)
{
  const char *colon = authority != NULL ? strrchr (authority, ':') : NULL;
  guint64 port = 0;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &port, NULL))
    return 0;
  return (guint) port;
}

/* How long the project's previous server gets to let go of the kept
 * port: it was asked to stop, its network is gone at once. */
#define PREVIOUS_SERVER_WAIT_US (2 * G_USEC_PER_SEC)

/* The project's previous server still holds the kept port when it is
 * replaced while running (Restart by hand, a server that stopped
 * answering, a new run): it would go once the new one is handed over,
 * but the new one has to be served on that port, so it goes now. */
static void
stop_previous_server (ForgePreviewRun *run,
                      ForgeSandbox    *sandbox)
{
  ForgeSandboxManager *manager = run->self->manager;
  g_autoptr(ForgeSandbox) old_sandbox = forge_sandbox_manager_dup_sandbox (manager, run->project_id);
  g_autoptr(ForgeSandboxProcess) old_server = forge_sandbox_manager_dup_server (manager, run->project_id);
  gint64 deadline = g_get_monotonic_time () + PREVIOUS_SERVER_WAIT_US;

  if (old_sandbox == NULL || old_sandbox == sandbox)
    return;

  if (old_server != NULL)
    forge_sandbox_process_kill (old_server);
  forge_sandbox_kill (old_sandbox);

  /* On the host's network the server itself holds the port. */
  while (old_server != NULL && forge_sandbox_process_is_running (old_server) &&
         g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
}

/* The backend was given the project's kept port (see
 * ForgeSandboxRequest's preview_port) but the page is served elsewhere
 * on this computer: its origin changed, and with it its storage. Said
 * once, in the server log, with the likely reason. */
static void
log_moved_origin (ForgePreviewRun *run,
                  const char      *ready_url,
                  const char      *given_authority)
{
  g_autoptr(GUri) uri = g_uri_parse (ready_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) address = NULL;
  g_autofree char *text = NULL;
  const char *host;
  guint port;

  if (uri == NULL || g_uri_get_port (uri) <= 0 || (host = g_uri_get_host (uri)) == NULL)
    return;

  port = (guint) g_uri_get_port (uri);
  address = g_inet_address_new_from_string (host);
  if (port == run->preview_port ||
      (g_ascii_strcasecmp (host, "localhost") != 0 &&
       (address == NULL || !g_inet_address_get_is_loopback (address))))
    return;

  if (port == authority_get_port (given_authority))
    text = g_strdup_printf (_("Port %u is taken by another program: the preview moved to port %u, so the page’s storage starts empty."),
                            run->preview_port, port);
  else
    text = g_strdup_printf (_("The dev server chose port %u instead of %u: the preview’s address changes when it restarts, so the page’s storage starts empty."),
                            port, run->preview_port);
  g_message ("%s: %s", run->project_id, text);
  forge_step_context_log (run->ctx, "server", text);
}

/* The server of a resumed sandbox answered already (see
 * _forge_preview_run_try_resume()): the manager takes it back as it is,
 * at the URL it had. */
static JsonNode *
hand_back_resumed (ForgePreviewRun *run)
{
  g_autoptr(GUri) uri = g_uri_parse (run->resumed_url, G_URI_FLAGS_NONE, NULL);
  JsonObject *object = json_object_new ();

  forge_sandbox_manager_adopt (run->self->manager, run->project_id, run->sandbox,
                               run->resumed_server, run->resumed_url);
  if (run->resumed_output != NULL)
    forge_command_output_hand_over (run->resumed_output, run->self->manager, run->project_id);

  json_object_set_string_member (object, "url", run->resumed_url);
  json_object_set_int_member (object, "port", uri != NULL ? MAX (g_uri_get_port (uri), 0) : 0);
  json_object_set_string_member (object, "sandbox_id", forge_sandbox_get_id (run->sandbox));
  json_object_set_string_member (object, "network",
                                 forge_sandbox_shares_host_network (run->sandbox) ? "shared" : "isolated");
  json_object_set_boolean_member (object, "resumed", TRUE);
  return _forge_preview_object_node (object);
}

JsonNode *
_forge_preview_start_preview_server (ForgeStepContext  *ctx,
                                     gpointer           user_data,
                                     GError           **error)
{
  ForgePreviewRun *run = user_data;
  ForgeSandbox *sandbox;
  gboolean kept_port_offered = FALSE;
  guint fixed_port = forge_run_env_get_dev_port (run->env);

  if (run->resumed && run->resumed_server != NULL)
    return hand_back_resumed (run);

  sandbox = _forge_preview_run_ensure_sandbox (run, error);
  if (sandbox == NULL || _forge_preview_run_ensure_workspace (run, error) == NULL)
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
      g_autofree char *cwd = forge_framework_dup_dev_cwd (run->framework);
      g_autoptr(ForgeCommandOutput) output = NULL;
      ServerOutcome outcome;
      guint port;

      if (!forge_sandbox_get_listen_address (sandbox, attempt, &listen_address, &port, error))
        return NULL;
      /* The project's own port inside: forwarded wherever the host has
       * room, so not the kept one. */
      if (fixed_port != 0)
        port = fixed_port;
      /* A backend that serves previews through host ports offers the
       * kept one first. */
      if (attempt == 1)
        {
          kept_port_offered = fixed_port == 0 && run->preview_port != 0 && port == run->preview_port;
          if (kept_port_offered)
            stop_previous_server (run, sandbox);
        }

      argv = dev_argv (run, listen_address, port);
      env = dev_env (run, listen_address, port, argv);
      {
        g_autofree char *joined = forge_run_env_get_dev_command (run->env) != NULL
          ? g_strdup (forge_run_env_get_dev_command (run->env))
          : g_strjoinv (" ", argv);

        /* A command typed with a secret in it shows masked too. */
        command = forge_run_env_mask (run->env, joined);
      }
      forge_step_context_log (ctx, "server", command);
      /* What the step shows until the command prints something better. */
      forge_step_context_progress_latest (ctx, -1, command);

      output = _forge_preview_run_new_output (run, "server");
      process = forge_sandbox_spawn (sandbox, (const char * const *) argv, (const char * const *) env,
                                     cwd, forge_command_output_line_cb,
                                     forge_command_output_ref (output), (GDestroyNotify) forge_command_output_unref,
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

          if (kept_port_offered)
            log_moved_origin (run, ready_url, authority);
          forge_sandbox_manager_adopt (run->self->manager, run->project_id, sandbox, process, ready_url);
          forge_command_output_hand_over (output, run->self->manager, run->project_id);
          {
            g_autofree char *signature = forge_run_env_dup_signature (run->env);

            _forge_clone_and_preview_set_server_signature (run->self, run->project_id, signature);
          }

          json_object_set_string_member (object, "url", ready_url);
          json_object_set_int_member (object, "port", port);
          json_object_set_string_member (object, "sandbox_id", forge_sandbox_get_id (sandbox));
          json_object_set_string_member (object, "network",
                                         forge_sandbox_shares_host_network (sandbox)
                                         ? "shared" : "isolated");
          json_object_set_string_member (object, "command", command);
          return _forge_preview_object_node (object);
        }

      forge_sandbox_process_kill (process);

      if (outcome == SERVER_CANCELLED)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
          return NULL;
        }

      tail = forge_command_output_dup_tail (output);

      if (outcome == SERVER_TIMED_OUT)
        {
          guint seconds = run->self->server_timeout;
          /* In the unit Preferences shows the limit in. */
          g_autofree char *limit = seconds % 60 == 0
            ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", seconds / 60), seconds / 60)
            : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", seconds), seconds);

          /* Waiting the whole limit again would end the same way. */
          forge_step_context_fail_with_log (ctx, error, tail, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                                            /* Translators: %s is a time limit ("20 minutes"). */
                                            _("The dev server (“%s”) did not answer within %s. Check the log, then try again or raise the limit in Preferences."),
                                            command, limit);
          return NULL;
        }

      /* Another attempt would ask for the project's port again. */
      if (exited_for_busy_port (output) && attempt < PORT_ATTEMPTS && fixed_port == 0)
        {
          forge_step_context_log (ctx, "server", _("The port was taken; trying another one."));
          continue;
        }

      {
        int code = forge_sandbox_process_get_exit_code (process);
        g_autofree char *cause = _forge_preview_run_dup_limit_cause (run, output);

        if (_forge_preview_run_disk_is_full (run, output))
          {
            forge_step_context_fail_with_log (ctx, error, tail, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                                              _("The dev server (“%s”) ran out of disk space: the disk is full. Free some space, then try again."),
                                              command);
            return NULL;
          }

        if (cause != NULL)
          {
            forge_step_context_fail_with_log (ctx, error, tail, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                                              /* Translators: The dev server (“vite”) ran out of memory (limit 4 GB) … */
                                              _("The dev server (“%s”) %s before answering. Raise the limit in Preferences → Sandbox Limits, then try again."),
                                              command, cause);
            return NULL;
          }

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

gboolean
_forge_preview_server_is_live (ForgePreviewRun *run,
                               JsonNode        *server)
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
