/* forge-fake-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-fake-sandbox"

#include "config.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forge-fake-sandbox.h"
#include "forge-sandbox-process-private.h"
#include "forge-util.h"

typedef struct
{
  ForgeFakeSandbox     *sandbox;       /* spawn() only: the reader's reference */
  GSubprocess          *subprocess;
  GPid                  pid;           /* also its process group */
  ForgeSandboxProcess  *process;       /* spawn() only */
  ForgeSandboxLineFunc  line_func;
  gpointer              user_data;
  GDestroyNotify        destroy;
} FakeCommand;

struct _ForgeFakeSandbox
{
  GObject       parent_instance;

  char         *id;
  char         *repo_dir;
  char         *home_dir;
  GMainContext *main_context;

  GMutex        mutex;
  gboolean      running;
  GPtrArray    *commands;              /* FakeCommand, live ones */
  GSource      *timeout_source;
  guint         last_timeout;
  guint         n_set_timeout;
  guint         n_spawned;
  guint         n_run;
  guint         n_synced;
  char         *synced_dir;
  char         *sync_failure;
};

static void forge_fake_sandbox_iface_init (ForgeSandboxInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeFakeSandbox, forge_fake_sandbox, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX, forge_fake_sandbox_iface_init))

static void
fake_command_free (FakeCommand *cmd)
{
  g_clear_object (&cmd->subprocess);
  g_clear_object (&cmd->process);
  g_clear_object (&cmd->sandbox);
  g_free (cmd);
}

/* /home/user/repo/x → <repo_dir>/x, /home/user/x → <home_dir>/x */
static char *
map_path (ForgeFakeSandbox *self,
          const char       *path)
{
  if (g_str_has_prefix (path, FORGE_SANDBOX_REPO_DIR) &&
      (path[strlen (FORGE_SANDBOX_REPO_DIR)] == '\0' || path[strlen (FORGE_SANDBOX_REPO_DIR)] == '/'))
    return g_strconcat (self->repo_dir, path + strlen (FORGE_SANDBOX_REPO_DIR), NULL);
  if (g_str_has_prefix (path, FORGE_SANDBOX_HOME_DIR) &&
      (path[strlen (FORGE_SANDBOX_HOME_DIR)] == '\0' || path[strlen (FORGE_SANDBOX_HOME_DIR)] == '/'))
    return g_strconcat (self->home_dir, path + strlen (FORGE_SANDBOX_HOME_DIR), NULL);
  return g_strdup (path);
}

/* No PR_SET_PDEATHSIG: it fires when the spawning *thread* ends, and
 * workflow steps run on pool threads that come and go. */
static void
own_process_group (gpointer data)
{
  setpgid (0, 0);
}

static FakeCommand *
launch (ForgeFakeSandbox   *self,
        const char * const *argv,
        const char * const *env,
        const char         *cwd,
        GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) environ_ = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) mapped_argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *mapped_cwd = map_path (self, cwd != NULL ? cwd : FORGE_SANDBOX_REPO_DIR);
  const char *helper_dir = g_getenv ("FORGE_HELPER_DIR");
  FakeCommand *cmd;
  GSubprocess *subprocess;

  g_ptr_array_add (environ_, g_strdup_printf ("PATH=%s%s/usr/local/bin:/usr/bin:/bin",
                                              helper_dir ? helper_dir : "", helper_dir ? ":" : ""));
  g_ptr_array_add (environ_, g_strdup_printf ("HOME=%s", self->home_dir));
  g_ptr_array_add (environ_, g_strdup ("LANG=C.UTF-8"));
  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *equals = strchr (env[i], '=');

      if (equals == NULL)
        continue;
      g_autofree char *value = map_path (self, equals + 1);
      g_ptr_array_add (environ_, g_strdup_printf ("%.*s=%s", (int) (equals - env[i]), env[i], value));
    }
  g_ptr_array_add (environ_, NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (mapped_argv, map_path (self, argv[i]));
  g_ptr_array_add (mapped_argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE |
                                          G_SUBPROCESS_FLAGS_SEARCH_PATH_FROM_ENVP);
  g_subprocess_launcher_set_environ (launcher, (char **) environ_->pdata);
  g_subprocess_launcher_set_cwd (launcher, mapped_cwd);
  g_subprocess_launcher_set_child_setup (launcher, own_process_group, NULL, NULL);

  g_mutex_lock (&self->mutex);
  if (!self->running)
    {
      g_mutex_unlock (&self->mutex);
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                           "The fake sandbox is not running");
      return NULL;
    }
  subprocess = g_subprocess_launcher_spawnv (launcher, (const char * const *) mapped_argv->pdata, error);
  if (subprocess == NULL)
    {
      g_mutex_unlock (&self->mutex);
      g_prefix_error (error, "%s: ", argv[0]);
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = FORGE_SANDBOX_ERROR;
          (*error)->code = FORGE_SANDBOX_ERROR_SPAWN_FAILED;
        }
      return NULL;
    }
  cmd = g_new0 (FakeCommand, 1);
  cmd->subprocess = subprocess;
  cmd->pid = atoi (g_subprocess_get_identifier (subprocess));
  g_ptr_array_add (self->commands, cmd);
  g_mutex_unlock (&self->mutex);

  return cmd;
}

/* Reads the merged output line by line until the command closes it. */
static void
pump_lines (FakeCommand *cmd)
{
  g_autoptr(GDataInputStream) lines =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (cmd->subprocess));
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL)
    {
      if (cmd->line_func != NULL)
        cmd->line_func (FORGE_SANDBOX_STREAM_STDOUT, line, cmd->user_data);
      g_free (line);
    }
}

/* Waits for it and takes it off the live list; returns the wait status. */
static int
reap (ForgeFakeSandbox *self,
      FakeCommand      *cmd)
{
  g_subprocess_wait (cmd->subprocess, NULL, NULL);

  g_mutex_lock (&self->mutex);
  g_ptr_array_remove_fast (self->commands, cmd);
  g_mutex_unlock (&self->mutex);

  return g_subprocess_get_status (cmd->subprocess);
}

static void
kill_group (GPid pid)
{
  if (pid > 0)
    kill (-pid, SIGKILL);
}

static void
cancelled_cb (GCancellable *cancellable,
              FakeCommand  *cmd)
{
  kill_group (cmd->pid);
}

static const char *
forge_fake_sandbox_get_id (ForgeSandbox *sandbox)
{
  return FORGE_FAKE_SANDBOX (sandbox)->id;
}

static gboolean
forge_fake_sandbox_run_sync (ForgeSandbox          *sandbox,
                             const char * const    *argv,
                             const char * const    *env,
                             const char            *cwd,
                             ForgeSandboxLineFunc   line_func,
                             gpointer               user_data,
                             int                   *exit_status,
                             GCancellable          *cancellable,
                             GError               **error)
{
  ForgeFakeSandbox *self = FORGE_FAKE_SANDBOX (sandbox);
  FakeCommand *cmd;
  gulong handler = 0;
  int status;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if ((cmd = launch (self, argv, env, cwd, error)) == NULL)
    return FALSE;

  g_atomic_int_inc (&self->n_run);
  cmd->line_func = line_func;
  cmd->user_data = user_data;
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), cmd, NULL);
  pump_lines (cmd);
  status = reap (self, cmd);
  g_cancellable_disconnect (cancellable, handler);
  fake_command_free (cmd);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (exit_status != NULL)
    *exit_status = forge_exit_code_from_wait_status (status);
  return TRUE;
}

static gpointer
spawned_thread (gpointer data)
{
  FakeCommand *cmd = data;
  int status;

  pump_lines (cmd);
  status = reap (cmd->sandbox, cmd);
  forge_sandbox_process_exited (cmd->process, status);
  if (cmd->destroy != NULL)
    cmd->destroy (cmd->user_data);
  fake_command_free (cmd);

  return NULL;
}

static void
process_kill_cb (ForgeSandboxProcess *process,
                 gpointer             user_data)
{
  kill_group (GPOINTER_TO_INT (user_data));
}

static ForgeSandboxProcess *
forge_fake_sandbox_spawn (ForgeSandbox          *sandbox,
                          const char * const    *argv,
                          const char * const    *env,
                          const char            *cwd,
                          ForgeSandboxLineFunc   line_func,
                          gpointer               user_data,
                          GDestroyNotify         destroy,
                          GError               **error)
{
  ForgeFakeSandbox *self = FORGE_FAKE_SANDBOX (sandbox);
  ForgeSandboxProcess *process;
  FakeCommand *cmd;

  if ((cmd = launch (self, argv, env, cwd, error)) == NULL)
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  g_atomic_int_inc (&self->n_spawned);
  process = forge_sandbox_process_new (self->main_context, process_kill_cb, GINT_TO_POINTER (cmd->pid), NULL);
  forge_sandbox_process_set_pid (process, cmd->pid);
  cmd->sandbox = g_object_ref (self);
  cmd->process = g_object_ref (process);
  cmd->line_func = line_func;
  cmd->user_data = user_data;
  cmd->destroy = destroy;
  g_thread_unref (g_thread_new ("fake-sandbox-output", spawned_thread, cmd));

  return process;
}

static gboolean
forge_fake_sandbox_get_listen_address (ForgeSandbox  *sandbox,
                                       guint          attempt,
                                       char         **address,
                                       guint         *port,
                                       GError       **error)
{
  guint free_port = forge_pick_free_port (error);

  if (free_port == 0)
    return FALSE;
  *address = g_strdup ("127.0.0.1");
  *port = free_port;
  return TRUE;
}

static char *
forge_fake_sandbox_expose_port (ForgeSandbox         *sandbox,
                                ForgeSandboxProcess  *process,
                                guint                 port,
                                GError              **error)
{
  return g_strdup_printf ("127.0.0.1:%u", port);
}

/* Stops everything and says so on the main context, once. */
static void
die (ForgeFakeSandbox  *self,
     ForgeSandboxDeath  how)
{
  g_mutex_lock (&self->mutex);
  if (!self->running)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }
  self->running = FALSE;
  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_clear_pointer (&self->timeout_source, g_source_unref);
    }
  for (guint i = 0; i < self->commands->len; i++)
    kill_group (((FakeCommand *) g_ptr_array_index (self->commands, i))->pid);
  g_mutex_unlock (&self->mutex);

  forge_sandbox_schedule_died (FORGE_SANDBOX (self), self->main_context, how);
}

static gboolean
expire_cb (gpointer data)
{
  ForgeFakeSandbox *self = data;

  g_mutex_lock (&self->mutex);
  if (self->timeout_source != g_main_current_source ())
    {
      g_mutex_unlock (&self->mutex);
      return G_SOURCE_REMOVE;
    }
  g_clear_pointer (&self->timeout_source, g_source_unref);
  g_mutex_unlock (&self->mutex);

  die (self, FORGE_SANDBOX_DEATH_EXPIRED);
  return G_SOURCE_REMOVE;
}

/* Must hold self->mutex. */
static void
arm_timeout_locked (ForgeFakeSandbox *self,
                    guint             seconds)
{
  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_clear_pointer (&self->timeout_source, g_source_unref);
    }
  if (seconds == 0)
    return;

  self->timeout_source = g_timeout_source_new_seconds (seconds);
  g_source_set_callback (self->timeout_source, expire_cb, g_object_ref (self), g_object_unref);
  g_source_attach (self->timeout_source, self->main_context);
}

static gboolean
forge_fake_sandbox_set_timeout (ForgeSandbox  *sandbox,
                                guint          seconds,
                                GError       **error)
{
  ForgeFakeSandbox *self = FORGE_FAKE_SANDBOX (sandbox);
  gboolean running;

  g_mutex_lock (&self->mutex);
  running = self->running;
  if (running)
    {
      self->last_timeout = seconds;
      self->n_set_timeout++;
      arm_timeout_locked (self, seconds);
    }
  g_mutex_unlock (&self->mutex);

  if (!running)
    g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                         "The fake sandbox is not running");
  return running;
}

static gboolean
forge_fake_sandbox_is_running (ForgeSandbox *sandbox)
{
  ForgeFakeSandbox *self = FORGE_FAKE_SANDBOX (sandbox);
  gboolean running;

  g_mutex_lock (&self->mutex);
  running = self->running;
  g_mutex_unlock (&self->mutex);
  return running;
}

static void
forge_fake_sandbox_kill (ForgeSandbox *sandbox)
{
  die (FORGE_FAKE_SANDBOX (sandbox), FORGE_SANDBOX_DEATH_KILLED);
}

static gboolean
forge_fake_sandbox_shares_host_network (ForgeSandbox *sandbox)
{
  return TRUE;
}

/* Nothing to copy (the commands run in @repo_dir itself): records the
 * call and says how far it got, as an upload would. */
static gboolean
forge_fake_sandbox_sync_workspace (ForgeSandbox             *sandbox,
                                   const char               *repo_dir,
                                   ForgeSandboxProgressFunc  progress,
                                   gpointer                  user_data,
                                   GCancellable             *cancellable,
                                   GError                  **error)
{
  ForgeFakeSandbox *self = FORGE_FAKE_SANDBOX (sandbox);
  g_autofree char *failure = NULL;

  g_mutex_lock (&self->mutex);
  self->n_synced++;
  g_free (self->synced_dir);
  self->synced_dir = g_strdup (repo_dir);
  failure = g_steal_pointer (&self->sync_failure);
  g_mutex_unlock (&self->mutex);

  if (failure != NULL)
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED, failure);
      return FALSE;
    }
  if (progress != NULL)
    progress (1024, 1024, user_data);
  return TRUE;
}

static void
forge_fake_sandbox_iface_init (ForgeSandboxInterface *iface)
{
  iface->get_id = forge_fake_sandbox_get_id;
  iface->run_sync = forge_fake_sandbox_run_sync;
  iface->spawn = forge_fake_sandbox_spawn;
  iface->get_listen_address = forge_fake_sandbox_get_listen_address;
  iface->expose_port = forge_fake_sandbox_expose_port;
  iface->set_timeout = forge_fake_sandbox_set_timeout;
  iface->is_running = forge_fake_sandbox_is_running;
  iface->kill = forge_fake_sandbox_kill;
  iface->shares_host_network = forge_fake_sandbox_shares_host_network;
  iface->sync_workspace = forge_fake_sandbox_sync_workspace;
}

static void
forge_fake_sandbox_finalize (GObject *object)
{
  ForgeFakeSandbox *self = FORGE_FAKE_SANDBOX (object);

  /* Commands hold a reference through their process: none is left. */
  g_assert (self->commands->len == 0);
  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_source_unref (self->timeout_source);
    }
  g_ptr_array_unref (self->commands);
  g_main_context_unref (self->main_context);
  g_mutex_clear (&self->mutex);
  g_free (self->id);
  g_free (self->repo_dir);
  g_free (self->home_dir);
  g_free (self->synced_dir);
  g_free (self->sync_failure);

  G_OBJECT_CLASS (forge_fake_sandbox_parent_class)->finalize (object);
}

static void
forge_fake_sandbox_class_init (ForgeFakeSandboxClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_fake_sandbox_finalize;
}

static void
forge_fake_sandbox_init (ForgeFakeSandbox *self)
{
  g_mutex_init (&self->mutex);
  self->commands = g_ptr_array_new ();
  self->main_context = g_main_context_ref_thread_default ();
  self->running = TRUE;
}

ForgeFakeSandbox *
forge_fake_sandbox_new (const char *repo_dir,
                        const char *home_dir,
                        guint       timeout_seconds)
{
  ForgeFakeSandbox *self = g_object_new (FORGE_TYPE_FAKE_SANDBOX, NULL);
  g_autofree char *uuid = g_uuid_string_random ();

  self->id = g_strconcat ("fake-", uuid, NULL);
  self->repo_dir = g_strdup (repo_dir);
  self->home_dir = g_strdup (home_dir);
  g_mutex_lock (&self->mutex);
  arm_timeout_locked (self, timeout_seconds);
  g_mutex_unlock (&self->mutex);

  return self;
}

guint
forge_fake_sandbox_get_last_timeout (ForgeFakeSandbox *self)
{
  guint seconds;

  g_mutex_lock (&self->mutex);
  seconds = self->last_timeout;
  g_mutex_unlock (&self->mutex);
  return seconds;
}

guint
forge_fake_sandbox_get_n_set_timeout (ForgeFakeSandbox *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_set_timeout;
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
forge_fake_sandbox_get_n_spawned (ForgeFakeSandbox *self)
{
  return g_atomic_int_get (&self->n_spawned);
}

guint
forge_fake_sandbox_get_n_run (ForgeFakeSandbox *self)
{
  return g_atomic_int_get (&self->n_run);
}

void
forge_fake_sandbox_crash (ForgeFakeSandbox *self)
{
  die (self, FORGE_SANDBOX_DEATH_CRASHED);
}

void
forge_fake_sandbox_expire (ForgeFakeSandbox *self)
{
  die (self, FORGE_SANDBOX_DEATH_EXPIRED);
}

guint
forge_fake_sandbox_get_n_synced (ForgeFakeSandbox *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->n_synced;
  g_mutex_unlock (&self->mutex);
  return n;
}

char *
forge_fake_sandbox_dup_synced_dir (ForgeFakeSandbox *self)
{
  char *dir;

  g_mutex_lock (&self->mutex);
  dir = g_strdup (self->synced_dir);
  g_mutex_unlock (&self->mutex);
  return dir;
}

void
forge_fake_sandbox_fail_next_sync (ForgeFakeSandbox *self,
                                   const char       *message)
{
  g_mutex_lock (&self->mutex);
  g_free (self->sync_failure);
  self->sync_failure = g_strdup (message);
  g_mutex_unlock (&self->mutex);
}
