/* forge-local-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>

#include "forge-bwrap-args.h"
#include "forge-e2b-sandbox.h"
#include "forge-flatpak.h"
#include "forge-local-preview-urls.h"
#include "forge-local-sandbox-private.h"
#include "forge-process-tree.h"
#include "forge-resource-guard-private.h"
#include "forge-sandbox-network.h"
#include "forge-sandbox-process-private.h"
#include "forge-seccomp.h"
#include "forge-util.h"

/* How long processes get to exit after SIGTERM before SIGKILL. */
#define GRACE_PERIOD_USEC (2 * G_TIME_SPAN_SECOND)
/* Longer lines (minified output, progress bars) are cut there: nobody
 * reads more of one in a log, and a hostile server could print endless
 * ones. The rest, up to the next newline, is dropped. */
#define MAX_LINE_LENGTH FORGE_LOG_LINE_MAX

/* One bwrap container running one command. Shared (refcounted) between
 * the sandbox, the thread reading its output and its ForgeSandboxProcess. */
typedef struct
{
  GMutex       mutex;
  GCond        cond;
  GSubprocess *subprocess;   /* the outer bwrap, our child */
  GPid         init_pid;     /* host pid of the PID namespace's init */
  ForgeProcessTree tree;     /* everything in that namespace */
  int          bwrap_pidfd;  /* readable once bwrap has exited, or -1 */
  int          status;
  guint        exited : 1;
  guint        terminating : 1;
  /* Its processes are not ours to see (the portal's sub-sandbox): a
   * stop is SIGTERM to flatpak-spawn, which passes it on. */
  guint        signal_spawner : 1;

  /* Its own network; NULL when the host's is shared. Set before the
   * command is shared with other threads, and never again. */
  ForgeSandboxNetwork *network;

  /* The sandbox's limits, kept as long as the command: its cgroup is
   * emptied and removed only after the grace period. NULL for none. */
  ForgeResourceGuard *guard;
} LocalCommand;

struct _ForgeLocalSandbox
{
  GObject       parent_instance;

  GMutex        mutex;
  GMainContext *main_context;
  char         *id;
  char         *repo_dir;
  char         *home_dir;
  char         *bwrap;
  char         *shared_cache_dir;   /* npm's content, every project's */
  char         *npm_cache_dir;      /* npm's cache, this project's */
  GPtrArray    *commands;          /* LocalCommand, under mutex */
  GSource      *timeout_source;    /* under mutex */
  char         *slirp4netns;       /* its path, when in a network of its own */
  char         *network_problem;   /* why not, when not */
  GHashTable   *offered_ports;     /* from get_listen_address(), under mutex */
  /* Its limits, once set; never changed after the first command. */
  ForgeResourceGuard *guard;
  guint         preview_port;      /* held on the host by the manager; 0 for none */
  ForgeFlatpakMode flatpak_mode;
  char         *flatpak_app_path;  /* the host's path of /app, when known */
  /* Host mode: a folder the app and the host see at one path (sockets),
   * and the helpers the host can run, written there by us. */
  char         *host_shared_dir;
  char         *host_helper_dir;
  guint         running : 1;       /* under mutex */
  guint         own_network : 1;
};

static void forge_local_sandbox_iface_init (ForgeSandboxInterface *iface);

/* The Node static server's name in host mode's helper folder. */
#define HOST_STATIC_SERVER "forge-static-server.js"

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeLocalSandbox, forge_local_sandbox, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX,
                                                      forge_local_sandbox_iface_init))

/* {{{ Commands and their process trees */

/* Stops its network at once, if it has one of its own. */
static void
local_command_stop_network (LocalCommand *cmd)
{
  if (cmd->network != NULL)
    forge_sandbox_network_stop (cmd->network);
}

static void
local_command_clear (gpointer data)
{
  LocalCommand *cmd = data;

  local_command_stop_network (cmd);
  g_clear_object (&cmd->network);
  g_clear_object (&cmd->subprocess);
  g_clear_object (&cmd->guard);
  forge_process_tree_clear (&cmd->tree);
  if (cmd->bwrap_pidfd >= 0)
    close (cmd->bwrap_pidfd);
  g_mutex_clear (&cmd->mutex);
  g_cond_clear (&cmd->cond);
}

static LocalCommand *
local_command_ref (LocalCommand *cmd)
{
  return g_atomic_rc_box_acquire (cmd);
}

static void
local_command_unref (gpointer cmd)
{
  g_atomic_rc_box_release_full (cmd, local_command_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LocalCommand, local_command_unref)

static void
local_command_set_exited (LocalCommand *cmd,
                          int           status)
{
  g_mutex_lock (&cmd->mutex);
  cmd->exited = TRUE;
  cmd->status = status;
  g_cond_broadcast (&cmd->cond);
  g_mutex_unlock (&cmd->mutex);
}

static void
local_command_force_kill (LocalCommand *cmd)
{
  /* bwrap is our own child, so GSubprocess never signals a recycled pid.
   * Its death takes the namespace init with it (--die-with-parent) and
   * the kernel then kills everything else in the namespace. */
  g_subprocess_force_exit (cmd->subprocess);
  forge_process_tree_signal (&cmd->tree, SIGKILL);
}

static gpointer
grace_period_thread (gpointer data)
{
  g_autoptr(LocalCommand) cmd = data;
  gint64 deadline = g_get_monotonic_time () + GRACE_PERIOD_USEC;
  gboolean exited;

  g_mutex_lock (&cmd->mutex);
  while (!cmd->exited)
    if (!g_cond_wait_until (&cmd->cond, &cmd->mutex, deadline))
      break;
  exited = cmd->exited;
  g_mutex_unlock (&cmd->mutex);

  if (!exited)
    local_command_force_kill (cmd);

  return NULL;
}

/* Never blocks: callers include cancellation handlers and the main thread. */
static void
local_command_terminate (LocalCommand *cmd)
{
  g_autoptr(GError) error = NULL;
  GThread *thread;

  g_mutex_lock (&cmd->mutex);
  if (cmd->exited || cmd->terminating)
    {
      g_mutex_unlock (&cmd->mutex);
      return;
    }
  cmd->terminating = TRUE;
  g_mutex_unlock (&cmd->mutex);

  forge_process_tree_signal (&cmd->tree, SIGTERM);
  if (cmd->signal_spawner)
    g_subprocess_send_signal (cmd->subprocess, SIGTERM);

  thread = g_thread_try_new ("forge-sandbox-kill", grace_period_thread,
                             local_command_ref (cmd), &error);
  if (thread == NULL)
    {
      g_warning ("Could not wait for sandboxed processes to stop: %s", error->message);
      local_command_force_kill (cmd);
      local_command_unref (cmd);
      return;
    }

  g_thread_unref (thread);
}

/* }}} */

/* {{{ Spawning */

/* bwrap runs with --die-with-parent, which is PR_SET_PDEATHSIG: it fires
 * when the *thread* that forked bwrap exits, not the process. Workers of a
 * GTask pool come and go, so every bwrap is forked from this one thread
 * that lives as long as the application. */
typedef struct
{
  GSubprocessLauncher *launcher;
  const char * const  *argv;
  GSubprocess         *subprocess;
  GError              *error;
  gboolean             done;
} SpawnRequest;

static GAsyncQueue *spawn_queue;
static GMutex spawn_mutex;
static GCond spawn_cond;

static gpointer
spawner_thread (gpointer data)
{
  for (;;)
    {
      SpawnRequest *request = g_async_queue_pop (spawn_queue);
      GError *error = NULL;
      GSubprocess *subprocess;

      subprocess = g_subprocess_launcher_spawnv (request->launcher, request->argv, &error);

      g_mutex_lock (&spawn_mutex);
      request->subprocess = subprocess;
      request->error = error;
      request->done = TRUE;
      g_cond_broadcast (&spawn_cond);
      g_mutex_unlock (&spawn_mutex);
    }

  return NULL;
}

static GSubprocess *
spawn_from_spawner_thread (GSubprocessLauncher  *launcher,
                           const char * const   *argv,
                           GError              **error)
{
  static gsize initialized;
  SpawnRequest request = { launcher, argv, NULL, NULL, FALSE };

  if (g_once_init_enter (&initialized))
    {
      spawn_queue = g_async_queue_new ();
      g_thread_unref (g_thread_new ("forge-sandbox-spawner", spawner_thread, NULL));
      g_once_init_leave (&initialized, 1);
    }

  g_async_queue_push (spawn_queue, &request);

  g_mutex_lock (&spawn_mutex);
  while (!request.done)
    g_cond_wait (&spawn_cond, &spawn_mutex);
  g_mutex_unlock (&spawn_mutex);

  if (request.error != NULL)
    g_propagate_error (error, request.error);

  return request.subprocess;
}

/* Hands @contents to the child as the read end of a pipe on @target_fd,
 * for --ro-bind-data or --seccomp; small enough to fit in the pipe
 * buffer. */
static gboolean
pass_bytes_fd (GSubprocessLauncher  *launcher,
               gconstpointer         contents,
               gsize                 len,
               int                   target_fd,
               GError              **error)
{
  int fds[2];
  gssize written;

  if (!g_unix_open_pipe (fds, FD_CLOEXEC, error))
    return FALSE;

  do
    written = write (fds[1], contents, len);
  while (written < 0 && errno == EINTR);
  close (fds[1]);

  if (written != (gssize) len)
    {
      close (fds[0]);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not prepare the sandbox: %s"), g_strerror (errno));
      return FALSE;
    }

  g_subprocess_launcher_take_fd (launcher, fds[0], target_fd);

  return TRUE;
}

/* For data that may pass a pipe's buffer (nobody reads before bwrap
 * starts): an anonymous memory file, read from its start: bwrap closes it once read. */
static gboolean
pass_memory_fd (GSubprocessLauncher  *launcher,
                GBytes               *bytes,
                int                   target_fd,
                GError              **error)
{
  gsize len = 0;
  const char *contents = g_bytes_get_data (bytes, &len);
  int fd = memfd_create ("forge-sandbox-env", MFD_CLOEXEC);
  gsize done = 0;

  if (fd < 0)
    goto failed;

  while (done < len)
    {
      gssize written = write (fd, contents + done, len - done);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        goto failed;
      done += written;
    }

  if (lseek (fd, 0, SEEK_SET) != 0)
    goto failed;

  g_subprocess_launcher_take_fd (launcher, fd, target_fd);
  return TRUE;

failed:
  {
    int saved = errno;

    if (fd >= 0)
      close (fd);
    g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                 _("Could not prepare the sandbox: %s"), g_strerror (saved));
    return FALSE;
  }
}

static gboolean
pass_data_fd (GSubprocessLauncher  *launcher,
              const char           *contents,
              int                   target_fd,
              GError              **error)
{
  return pass_bytes_fd (launcher, contents, strlen (contents), target_fd, error);
}

/* Our helper programs: installed, or beside the program in its build
 * tree when it runs uninstalled (tools/run). */
static const char *
get_helper_dir (void)
{
  static char *uninstalled_dir;
  static gsize initialized;
  const char *dir = g_getenv ("FORGE_HELPER_DIR");

  if (dir != NULL && dir[0] != '\0')
    return dir;

  if (g_once_init_enter (&initialized))
    {
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *self_dir = self != NULL ? g_path_get_dirname (self) : NULL;
      g_autofree char *candidate = self_dir != NULL ? g_build_filename (self_dir, "libexec", NULL) : NULL;

      if (!g_file_test (LIBEXECDIR "/forge-preview", G_FILE_TEST_IS_DIR) &&
          candidate != NULL && g_file_test (candidate, G_FILE_TEST_IS_DIR))
        uninstalled_dir = g_steal_pointer (&candidate);
      g_once_init_leave (&initialized, 1);
    }

  return uninstalled_dir != NULL ? uninstalled_dir : LIBEXECDIR "/forge-preview";
}

/* The command line of @argv in this sandbox, with what the host has now
 * at /bin, /lib … and in its environment. */
/* The helpers as the host sees them: inside Flatpak, /app is somewhere
 * else there. */
static char *
dup_host_helper_dir (ForgeLocalSandbox *self,
                     gboolean           in_flatpak)
{
  const char *helper_dir = get_helper_dir ();

  /* The app's helpers are built against its runtime, not the host. */
  if (in_flatpak && self->host_helper_dir != NULL)
    return g_strdup (self->host_helper_dir);

  if (in_flatpak && self->flatpak_app_path != NULL && g_str_has_prefix (helper_dir, "/app/"))
    return g_build_filename (self->flatpak_app_path, helper_dir + strlen ("/app/"), NULL);

  return g_strdup (helper_dir);
}

static char **
build_command_line (ForgeLocalSandbox   *self,
                    gboolean             in_flatpak,
                    const char * const  *argv,
                    const char * const  *env,
                    const char          *cwd,
                    gboolean             relay,
                    GError             **error)
{
  g_auto(GStrv) root_dirs = NULL;
  g_auto(GStrv) root_symlinks = NULL;
  g_auto(GStrv) host_env = g_get_environ ();
  g_autofree char *helper_dir = dup_host_helper_dir (self, in_flatpak);
  ForgeBwrapConfig config = {
    .bwrap = self->bwrap,
    .in_flatpak = in_flatpak,
    .flatpak_spawn = in_flatpak ? forge_flatpak_spawn_program () : NULL,
    .repo_dir = self->repo_dir,
    .home_dir = self->home_dir,
    .npm_cache_dir = self->npm_cache_dir,
    .shared_cache_dir = self->shared_cache_dir,
    .own_network = self->own_network,
    .tmp_bytes = self->guard != NULL ? forge_resource_guard_get_limits (self->guard)->tmp_bytes : 0,
    /* Inside Flatpak the app cannot look at the host's folders. */
    .helper_dir = in_flatpak || g_file_test (helper_dir, G_FILE_TEST_IS_DIR) ? helper_dir : NULL,
    .host_env = (const char * const *) host_env,
  };

  forge_bwrap_probe_root (&root_dirs, &root_symlinks);
  config.root_dirs = (const char * const *) root_dirs;
  config.root_symlinks = (const char * const *) root_symlinks;

  return forge_bwrap_args_build (&config, argv, env, cwd, relay && config.helper_dir != NULL, error);
}

/* bwrap writes {"child-pid": N, "pid-namespace": M, ...} to --info-fd once
 * the container is set up and closes it; it writes nothing if setup failed. */
static GPid
read_child_pid (int fd)
{
  g_autoptr(GString) buf = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *obj;

  /* Parsed as it comes: with --block-fd, the command waiting inside may
   * hold the pipe open, so EOF would come only once it runs. */
  for (;;)
    {
      char chunk[512];
      gssize n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return 0;
      g_string_append_len (buf, chunk, n);

      if (buf->len > 64 * 1024)
        return 0;
      if (strchr (buf->str, '}') != NULL &&
          json_parser_load_from_data (parser, buf->str, buf->len, NULL) &&
          (root = json_parser_get_root (parser)) != NULL &&
          JSON_NODE_HOLDS_OBJECT (root))
        break;
    }

  obj = json_node_get_object (root);

  return (GPid) json_object_get_int_member_with_default (obj, "child-pid", 0);
}

static void
unregister_command (ForgeLocalSandbox *self,
                    LocalCommand      *cmd)
{
  if (self->guard != NULL)
    forge_resource_guard_unwatch_tree (self->guard, &cmd->tree);

  g_mutex_lock (&self->mutex);
  g_ptr_array_remove (self->commands, cmd);
  g_mutex_unlock (&self->mutex);
}

static void
set_not_running_error (GError **error)
{
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                       _("The sandbox has stopped: start the preview again."));
}

static void
set_unsupported_error (GError **error)
{
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                       _("Previews cannot run on this computer: the sandbox's system call filter supports only x86-64 and ARM64."));
}

/* What flatpak-spawn (and systemd-run) need of our environment: the
 * session bus, to reach the portal or the user's service manager. */
static char **
dup_spawner_environ (gboolean needs_bus)
{
  char **env = g_environ_setenv (NULL, "PATH", "/usr/bin:/bin", TRUE);

  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  if (needs_bus)
    {
      if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
        env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", g_getenv ("DBUS_SESSION_BUS_ADDRESS"), TRUE);
      env = g_environ_setenv (env, "XDG_RUNTIME_DIR", g_get_user_runtime_dir (), TRUE);
    }

  return env;
}

static void
subsandbox_config_init (ForgeLocalSandbox          *self,
                        ForgeFlatpakSandboxConfig  *config)
{
  const char *helper_dir = get_helper_dir ();

  config->spawn = forge_flatpak_spawn_program ();
  config->repo_dir = self->repo_dir;
  config->home_dir = self->home_dir;
  config->helper_dir = g_file_test (helper_dir, G_FILE_TEST_IS_DIR) ? helper_dir : NULL;
  config->max_open_files = self->guard != NULL ? forge_resource_guard_get_limits (self->guard)->max_open_files : 0;
}

/* A command in the portal's sub-sandbox: flatpak-spawn --sandbox is our
 * child, the command the portal's. Its pid is not ours to see, so no
 * process tree is watched: flatpak-spawn passes SIGTERM on, and when it
 * dies (SIGKILL included) the portal kills the command (--watch-bus). */
static LocalCommand *
try_start_subsandbox_command (ForgeLocalSandbox   *self,
                              const char * const  *argv,
                              const char * const  *env,
                              const char          *cwd,
                              GError             **error)
{
  ForgeFlatpakSandboxConfig config;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(LocalCommand) cmd = NULL;
  g_autoptr(GBytes) env_data = NULL;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) spawner_env = NULL;
  gboolean running;

  subsandbox_config_init (self, &config);
  if (!(args = forge_flatpak_sandbox_args_build (&config, argv, cwd, error)))
    return NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  spawner_env = dup_spawner_environ (TRUE);
  g_subprocess_launcher_set_environ (launcher, spawner_env);

  env_data = forge_flatpak_env_data (&config, env);
  if (!pass_memory_fd (launcher, env_data, FORGE_FLATPAK_ENV_FD, error))
    return NULL;

  subprocess = spawn_from_spawner_thread (launcher, (const char * const *) args, error);
  g_clear_object (&launcher);
  if (subprocess == NULL)
    {
      g_prefix_error (error, _("Could not start the sandbox: "));
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = FORGE_SANDBOX_ERROR;
          (*error)->code = FORGE_SANDBOX_ERROR_SPAWN_FAILED;
        }
      return NULL;
    }

  cmd = g_atomic_rc_box_new0 (LocalCommand);
  g_mutex_init (&cmd->mutex);
  g_cond_init (&cmd->cond);
  cmd->subprocess = g_steal_pointer (&subprocess);
  cmd->signal_spawner = TRUE;
  cmd->guard = self->guard != NULL ? g_object_ref (self->guard) : NULL;
  /* No pid: a tree that signals nobody. */
  forge_process_tree_init (&cmd->tree, 0);
  cmd->bwrap_pidfd = forge_process_open_pidfd (cmd->subprocess);
  if (cmd->bwrap_pidfd == -2)
    cmd->bwrap_pidfd = -1;

  g_mutex_lock (&self->mutex);
  running = self->running;
  if (running)
    g_ptr_array_add (self->commands, local_command_ref (cmd));
  g_mutex_unlock (&self->mutex);

  if (!running)
    {
      local_command_terminate (cmd);
      set_not_running_error (error);
      return NULL;
    }

  return g_steal_pointer (&cmd);
}

/* @server: a command whose ports the host may want: in a network of its
 * own, ports it takes on the loopback only are relayed to its interface. */
static LocalCommand *
try_start_command (ForgeLocalSandbox   *self,
                   const char * const  *argv,
                   const char * const  *env,
                   const char          *cwd,
                   gboolean             server,
                   gboolean            *setup_failed,
                   GError             **error)
{
  g_autofree char *relay_path = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) host_argv = NULL;
  g_autoptr(GBytes) filter = NULL;
  g_autofree char *passwd = NULL;
  g_autofree char *group = NULL;
  g_autoptr(LocalCommand) cmd = NULL;
  g_auto(GStrv) bwrap_env = NULL;
  g_autoptr(GBytes) env_args = NULL;
  const char * const *wrapper = NULL;
  g_auto(GStrv) static_argv = NULL;
  int info_fds[2];
  int block_fds[2] = { -1, -1 };
  int net_info_fds[2] = { -1, -1 };
  GPid child_pid;
  GPid net_pid = 0;
  gboolean running;

  g_mutex_lock (&self->mutex);
  running = self->running;
  g_mutex_unlock (&self->mutex);

  if (!running)
    {
      set_not_running_error (error);
      return NULL;
    }

  relay_path = g_build_filename (get_helper_dir (), FORGE_BWRAP_LOOPBACK_RELAY, NULL);
  if (self->flatpak_mode == FORGE_FLATPAK_SUBSANDBOX)
    return try_start_subsandbox_command (self, argv, env, cwd, error);

  /* On the host the static server is the Node copy E2B uploads (see
   * host_helpers_write()): ours is built against the app's runtime. */
  if (self->flatpak_mode == FORGE_FLATPAK_HOST && self->host_helper_dir != NULL &&
      g_strcmp0 (argv[0], "forge-static-server") == 0)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      g_strv_builder_add_many (builder, "node", FORGE_BWRAP_HELPER_DIR_INSIDE "/" HOST_STATIC_SERVER, NULL);
      g_strv_builder_addv (builder, (const char **) argv + 1);
      argv = (const char * const *) (static_argv = g_strv_builder_end (builder));
    }

  /* On the host, bwrap is the session helper's child, not ours. */
  if (self->flatpak_mode == FORGE_FLATPAK_HOST && self->guard != NULL &&
      forge_resource_guard_get_limits (self->guard)->max_open_files > 0)
    argv = (const char * const *) (host_argv = forge_flatpak_wrap_open_files (argv, forge_resource_guard_get_limits (self->guard)->max_open_files));

  /* Not on the host: the relay is built against the app's runtime. A
   * server there is reached only on the sandbox's interface (the static
   * server listens on it; see forge_sandbox_get_listen_address()). */
  args = build_command_line (self, self->flatpak_mode == FORGE_FLATPAK_HOST, argv, env, cwd,
                             server && self->own_network &&
                             self->flatpak_mode == FORGE_FLATPAK_NONE &&
                             g_file_test (relay_path, G_FILE_TEST_IS_EXECUTABLE),
                             error);
  if (args == NULL)
    return NULL;

  if (!(filter = forge_seccomp_build_filter (!self->own_network)))
    {
      set_unsupported_error (error);
      return NULL;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);

  /* Under systemd, the command joins the sandbox's slice as a scope of
   * its own. */
  if (self->guard != NULL && (wrapper = forge_resource_guard_get_wrapper_argv (self->guard)) != NULL)
    {
      g_autoptr(GStrvBuilder) wrapped = g_strv_builder_new ();

      g_strv_builder_addv (wrapped, (const char **) wrapper);
      g_strv_builder_addv (wrapped, (const char **) args);
      g_strfreev (args);
      args = g_strv_builder_end (wrapped);
    }

  /* bwrap itself gets no more of our environment than it needs either;
   * flatpak-spawn and systemd-run need the session bus (and the runtime
   * folder) to reach the host, or the user's service manager. */
  bwrap_env = dup_spawner_environ (self->flatpak_mode != FORGE_FLATPAK_NONE || wrapper != NULL);
  g_subprocess_launcher_set_environ (launcher, bwrap_env);

  /* A synthesized account, so that the host's user list stays private. */
  passwd = g_strdup_printf ("user:x:%u:%u:Forge Preview:" FORGE_SANDBOX_HOME_DIR ":/bin/sh\n"
                            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                            (guint) getuid (), (guint) getgid ());
  group = g_strdup_printf ("user:x:%u:\n"
                           "nogroup:x:65534:\n",
                           (guint) getgid ());

  env_args = forge_bwrap_env_args (env);
  if ((env_args != NULL && !pass_memory_fd (launcher, env_args, FORGE_BWRAP_ENV_FD, error)) ||
      !pass_data_fd (launcher, passwd, FORGE_BWRAP_PASSWD_FD, error) ||
      !pass_data_fd (launcher, group, FORGE_BWRAP_GROUP_FD, error) ||
      !pass_bytes_fd (launcher, g_bytes_get_data (filter, NULL), g_bytes_get_size (filter),
                      FORGE_BWRAP_SECCOMP_FD, error))
    return NULL;

  if (self->own_network)
    {
      if (!pass_data_fd (launcher, FORGE_SANDBOX_NETWORK_RESOLV_CONF, FORGE_BWRAP_RESOLV_FD, error) ||
          !g_unix_open_pipe (block_fds, FD_CLOEXEC, error))
        return NULL;
      g_subprocess_launcher_take_fd (launcher, block_fds[0], FORGE_BWRAP_BLOCK_FD);

      /* The outer bwrap's pid, on the host: see forge_bwrap_args_build(). */
      if (self->flatpak_mode == FORGE_FLATPAK_HOST)
        {
          if (!g_unix_open_pipe (net_info_fds, FD_CLOEXEC, error))
            {
              close (block_fds[1]);
              return NULL;
            }
          g_subprocess_launcher_take_fd (launcher, net_info_fds[1], FORGE_BWRAP_NET_INFO_FD);
        }
    }

  if (!g_unix_open_pipe (info_fds, FD_CLOEXEC, error))
    {
      if (block_fds[1] >= 0)
        close (block_fds[1]);
      return NULL;
    }
  g_subprocess_launcher_take_fd (launcher, info_fds[1], FORGE_BWRAP_INFO_FD);

  /* bwrap and all it starts: in the sandbox's cgroup, under its rlimits. */
  if (self->guard != NULL)
    g_subprocess_launcher_set_child_setup (launcher, forge_child_limits_apply,
                                           forge_resource_guard_prepare_spawn (self->guard),
                                           forge_child_limits_free);

  subprocess = spawn_from_spawner_thread (launcher, (const char * const *) args, error);

  /* Closes our copy of the write end, so that read_child_pid() sees EOF
   * when bwrap fails before writing. */
  g_clear_object (&launcher);

  if (subprocess == NULL)
    {
      close (info_fds[0]);
      if (block_fds[1] >= 0)
        close (block_fds[1]);
      if (net_info_fds[0] >= 0)
        close (net_info_fds[0]);
      g_prefix_error (error, _("Could not start the sandbox: "));
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = FORGE_SANDBOX_ERROR;
          (*error)->code = FORGE_SANDBOX_ERROR_SPAWN_FAILED;
        }
      return NULL;
    }

  child_pid = read_child_pid (info_fds[0]);
  close (info_fds[0]);

  /* The outer bwrap wrote its child's pid before that child ran the
   * inner one, which wrote its own only once running: no waiting. */
  if (net_info_fds[0] >= 0)
    {
      if (child_pid != 0)
        net_pid = read_child_pid (net_info_fds[0]);
      close (net_info_fds[0]);
      if (net_pid == 0)
        child_pid = 0;
    }

  if (child_pid == 0)
    {
      g_autofree char *err_text = NULL;
      g_autofree char *first_line = NULL;

      if (block_fds[1] >= 0)
        close (block_fds[1]);
      g_subprocess_communicate_utf8 (subprocess, NULL, NULL, NULL, &err_text, NULL);
      first_line = g_strdup (err_text != NULL ? err_text : "");
      g_strdelimit (first_line, "\n", '\0');
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not start the sandbox (%s): check that user namespaces are enabled."),
                   first_line[0] != '\0' ? first_line : _("bubblewrap failed"));
      *setup_failed = TRUE;
      return NULL;
    }

  cmd = g_atomic_rc_box_new0 (LocalCommand);
  cmd->bwrap_pidfd = -1;
  g_mutex_init (&cmd->mutex);
  g_cond_init (&cmd->cond);
  cmd->subprocess = g_steal_pointer (&subprocess);
  cmd->guard = self->guard != NULL ? g_object_ref (self->guard) : NULL;
  /* On the host (Flatpak), bwrap's pids are the host's, which mean other
   * processes, or none, in the app's PID namespace: never signalled.
   * flatpak-spawn passes SIGTERM on to bwrap, and the session helper
   * kills bwrap when flatpak-spawn goes (--watch-bus). */
  if (self->flatpak_mode == FORGE_FLATPAK_HOST)
    {
      cmd->signal_spawner = TRUE;
      forge_process_tree_init (&cmd->tree, 0);
    }
  else
    {
      cmd->init_pid = child_pid;
      forge_process_tree_init (&cmd->tree, child_pid);
    }
  cmd->bwrap_pidfd = forge_process_open_pidfd (cmd->subprocess);

  /* bwrap is already gone: see pump_output(). */
  if (cmd->bwrap_pidfd == -2)
    {
      cmd->bwrap_pidfd = -1;
      forge_process_tree_signal (&cmd->tree, SIGKILL);
    }

  if (self->own_network)
    {
      gboolean connected;

      if (self->flatpak_mode == FORGE_FLATPAK_HOST)
        {
          const char *prefix[] = { forge_flatpak_spawn_program (), "--host", "--watch-bus", NULL };

          cmd->network = forge_sandbox_network_attach_on_host (prefix, (const char * const *) bwrap_env,
                                                               self->slirp4netns, net_pid,
                                                               self->host_shared_dir, error);
        }
      else
        cmd->network = forge_sandbox_network_attach (self->slirp4netns, child_pid, error);
      connected = cmd->network != NULL;

      /* Without a network the command must not run at all: killed before
       * the byte that lets it go. */
      if (!connected)
        local_command_force_kill (cmd);
      else if (write (block_fds[1], "1", 1) != 1)
        {
          /* bwrap failed to set up after it reported the pid: what it
           * said is on its stderr (the command never ran). */
          g_autofree char *err_text = NULL;
          g_autofree char *first_line = NULL;
          int errsv = errno;

          local_command_force_kill (cmd);
          g_subprocess_communicate_utf8 (cmd->subprocess, NULL, NULL, NULL, &err_text, NULL);
          first_line = g_strdup (err_text != NULL && err_text[0] != '\0' ? err_text : g_strerror (errsv));
          g_strdelimit (first_line, "\n", '\0');
          g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                       _("Could not start the sandbox: %s"), first_line);
          connected = FALSE;
        }
      close (block_fds[1]);

      if (!connected)
        {
          local_command_stop_network (cmd);
          g_subprocess_wait (cmd->subprocess, NULL, NULL);
          *setup_failed = TRUE;
          return NULL;
        }
    }

  if (self->guard != NULL)
    forge_resource_guard_watch_tree (self->guard, &cmd->tree);

  g_mutex_lock (&self->mutex);
  running = self->running;
  if (running)
    g_ptr_array_add (self->commands, local_command_ref (cmd));
  g_mutex_unlock (&self->mutex);

  /* Killed or expired while we were starting it. */
  if (!running)
    {
      if (self->guard != NULL)
        forge_resource_guard_unwatch_tree (self->guard, &cmd->tree);
      local_command_terminate (cmd);
      set_not_running_error (error);
      return NULL;
    }

  return g_steal_pointer (&cmd);
}

/* Setting up namespaces can fail now and then on a loaded machine (bwrap
 * has been seen to fail configuring the loopback interface while many
 * namespaces came and went). The command has not run then, so starting
 * it again is safe; anything else fails at once. */
#define SETUP_ATTEMPTS 3

static LocalCommand *
start_command (ForgeLocalSandbox   *self,
               const char * const  *argv,
               const char * const  *env,
               const char          *cwd,
               gboolean             server,
               GError             **error)
{
  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      gboolean setup_failed = FALSE;
      LocalCommand *cmd;

      cmd = try_start_command (self, argv, env, cwd, server, &setup_failed, &local_error);
      if (cmd != NULL)
        return cmd;

      if (!setup_failed || attempt == SETUP_ATTEMPTS)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      g_debug ("Starting a sandboxed command again: %s", local_error->message);
      g_usleep (50 * 1000 * attempt);
    }
}

/* }}} */

/* {{{ Output */

static void
deliver_line (ForgeSandboxStream    stream,
              const char           *data,
              gsize                 len,
              ForgeSandboxLineFunc  line_func,
              gpointer              user_data)
{
  g_autofree char *raw = NULL;
  g_autofree char *line = NULL;

  if (line_func == NULL)
    return;

  if (len > 0 && data[len - 1] == '\r')
    len--;

  /* One byte more than a line may have, so that the cut shows. Embedded
   * NULs end the line early: nothing reads past them anyway. */
  raw = g_strndup (data, MIN (len, (gsize) MAX_LINE_LENGTH + 1));
  line = forge_log_line_sanitize (raw);
  line_func (stream, line, user_data);
}

/* Reads both pipes until both are closed, delivering whole lines as they
 * come. One poll() loop keeps the order within each stream and needs no
 * extra thread.
 *
 * It also watches bwrap itself: once bwrap is gone, whatever is left in
 * the namespace is an orphan (its init normally dies with bwrap through
 * --die-with-parent, but not when bwrap dies before the init has armed
 * that), and it would keep the pipes open forever. */
static void
pump_output (LocalCommand         *cmd,
             ForgeSandboxLineFunc  line_func,
             gpointer              user_data)
{
  GString *bufs[2] = { g_string_new (NULL), g_string_new (NULL) };
  struct pollfd fds[3] = {
    { g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (cmd->subprocess))), POLLIN, 0 },
    { g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stderr_pipe (cmd->subprocess))), POLLIN, 0 },
    { cmd->bwrap_pidfd, POLLIN, 0 },
  };
  const ForgeSandboxStream streams[2] = { FORGE_SANDBOX_STREAM_STDOUT, FORGE_SANDBOX_STREAM_STDERR };
  gboolean bwrap_gone = FALSE;
  gboolean discarding[2] = { FALSE, FALSE };  /* the rest of a cut line */
  guint n_open = 2;

  while (n_open > 0)
    {
      /* Without pidfds (old kernels, valgrind), look now and then. */
      int timeout_ms = (fds[2].fd >= 0 || bwrap_gone) ? -1 : 500;

      if (poll (fds, G_N_ELEMENTS (fds), timeout_ms) < 0)
        {
          if (errno == EINTR)
            continue;
          g_warning ("Could not read sandbox output: %s", g_strerror (errno));
          break;
        }

      if (!bwrap_gone &&
          (fds[2].fd >= 0 ? fds[2].revents != 0
                          : g_subprocess_get_identifier (cmd->subprocess) == NULL))
        {
          forge_process_tree_signal (&cmd->tree, SIGKILL);
          fds[2].fd = -1;
          bwrap_gone = TRUE;
        }

      for (guint i = 0; i < G_N_ELEMENTS (streams); i++)
        {
          char chunk[8192];
          gssize n;
          char *nl;
          gsize start = 0;

          if (fds[i].fd < 0 || fds[i].revents == 0)
            continue;

          n = read (fds[i].fd, chunk, sizeof chunk);
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;

          if (n <= 0)
            {
              if (bufs[i]->len > 0 && !discarding[i])
                deliver_line (streams[i], bufs[i]->str, bufs[i]->len, line_func, user_data);
              g_string_truncate (bufs[i], 0);
              fds[i].fd = -1;
              n_open--;
              continue;
            }

          g_string_append_len (bufs[i], chunk, n);

          while ((nl = memchr (bufs[i]->str + start, '\n', bufs[i]->len - start)))
            {
              if (!discarding[i])
                deliver_line (streams[i], bufs[i]->str + start, nl - (bufs[i]->str + start),
                              line_func, user_data);
              discarding[i] = FALSE;
              start = nl - bufs[i]->str + 1;
            }
          g_string_erase (bufs[i], 0, start);

          /* Bounded memory, whatever a command prints without newlines. */
          if (bufs[i]->len > MAX_LINE_LENGTH)
            {
              if (!discarding[i])
                deliver_line (streams[i], bufs[i]->str, bufs[i]->len, line_func, user_data);
              discarding[i] = TRUE;
              g_string_truncate (bufs[i], 0);
            }
        }
    }

  g_string_free (bufs[0], TRUE);
  g_string_free (bufs[1], TRUE);
}

static int
wait_for_exit (LocalCommand *cmd)
{
  int status;

  g_subprocess_wait (cmd->subprocess, NULL, NULL);
  status = g_subprocess_get_status (cmd->subprocess);
  local_command_stop_network (cmd);
  local_command_set_exited (cmd, status);

  return status;
}

/* }}} */

/* {{{ ForgeSandbox */

static const char *
forge_local_sandbox_get_id (ForgeSandbox *sandbox)
{
  return FORGE_LOCAL_SANDBOX (sandbox)->id;
}

static void
cancel_command_cb (GCancellable *cancellable,
                   LocalCommand *cmd)
{
  local_command_terminate (cmd);
}

static gboolean
forge_local_sandbox_run_sync (ForgeSandbox          *sandbox,
                              const char * const    *argv,
                              const char * const    *env,
                              const char            *cwd,
                              ForgeSandboxLineFunc   line_func,
                              gpointer               user_data,
                              int                   *exit_status,
                              GCancellable          *cancellable,
                              GError               **error)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  g_autoptr(LocalCommand) cmd = NULL;
  gulong handler_id = 0;
  gboolean terminated;
  gboolean running;
  int status;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (!(cmd = start_command (self, argv, env, cwd, FALSE, error)))
    return FALSE;

  if (cancellable != NULL)
    handler_id = g_cancellable_connect (cancellable, G_CALLBACK (cancel_command_cb),
                                        local_command_ref (cmd), local_command_unref);

  pump_output (cmd, line_func, user_data);
  status = wait_for_exit (cmd);

  g_cancellable_disconnect (cancellable, handler_id);
  unregister_command (self, cmd);

  g_mutex_lock (&cmd->mutex);
  terminated = cmd->terminating;
  g_mutex_unlock (&cmd->mutex);

  g_mutex_lock (&self->mutex);
  running = self->running;
  g_mutex_unlock (&self->mutex);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (terminated && !running)
    {
      set_not_running_error (error);
      return FALSE;
    }

  if (exit_status != NULL)
    *exit_status = forge_exit_code_from_wait_status (status);

  return TRUE;
}

typedef struct
{
  GWeakRef              sandbox;
  LocalCommand         *cmd;
  ForgeSandboxProcess  *process;
  ForgeSandboxLineFunc  line_func;
  gpointer              user_data;
  GDestroyNotify        destroy;
} Reader;

static gpointer
reader_thread (gpointer data)
{
  Reader *reader = data;
  g_autoptr(ForgeLocalSandbox) self = NULL;
  int status;

  pump_output (reader->cmd, reader->line_func, reader->user_data);
  status = wait_for_exit (reader->cmd);

  if ((self = g_weak_ref_get (&reader->sandbox)))
    unregister_command (self, reader->cmd);

  if (reader->destroy != NULL)
    reader->destroy (reader->user_data);

  forge_sandbox_process_exited (reader->process, status);

  g_weak_ref_clear (&reader->sandbox);
  local_command_unref (reader->cmd);
  g_object_unref (reader->process);
  g_free (reader);

  return NULL;
}

static void
process_kill_cb (ForgeSandboxProcess *process,
                 gpointer             user_data)
{
  local_command_terminate (user_data);
}

static ForgeSandboxProcess *
forge_local_sandbox_spawn (ForgeSandbox          *sandbox,
                           const char * const    *argv,
                           const char * const    *env,
                           const char            *cwd,
                           ForgeSandboxLineFunc   line_func,
                           gpointer               user_data,
                           GDestroyNotify         destroy,
                           GError               **error)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  g_autoptr(LocalCommand) cmd = NULL;
  g_autoptr(GError) thread_error = NULL;
  ForgeSandboxProcess *process;
  Reader *reader;
  GThread *thread;

  if (!(cmd = start_command (self, argv, env, cwd, TRUE, error)))
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  process = forge_sandbox_process_new (self->main_context,
                                       process_kill_cb,
                                       local_command_ref (cmd),
                                       local_command_unref);
  forge_sandbox_process_set_pid (process, cmd->init_pid);
  /* For forge_sandbox_expose_port(). */
  g_object_set_data_full (G_OBJECT (process), "forge-local-command",
                          local_command_ref (cmd), local_command_unref);

  reader = g_new0 (Reader, 1);
  g_weak_ref_init (&reader->sandbox, self);
  reader->cmd = local_command_ref (cmd);
  reader->process = g_object_ref (process);
  reader->line_func = line_func;
  reader->user_data = user_data;
  reader->destroy = destroy;

  thread = g_thread_try_new ("forge-sandbox-output", reader_thread, reader, &thread_error);
  if (thread == NULL)
    {
      /* Without a reader its pipes would fill up and block it: stop it. */
      local_command_terminate (cmd);
      reader->line_func = NULL;
      reader_thread (reader);
      g_object_unref (process);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not start the sandbox: %s"), thread_error->message);
      return NULL;
    }
  g_thread_unref (thread);

  return process;
}

static gboolean
forge_local_sandbox_get_listen_address (ForgeSandbox  *sandbox,
                                        guint          attempt,
                                        char         **address,
                                        guint         *port,
                                        GError       **error)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);

  /* In a network of its own any port is free, but one that is also free
   * on the host can be forwarded under the same number: the URL a server
   * prints, and the port its live-reload client dials, then hold on both
   * sides. The project's preview port first, so that the page keeps its
   * origin across restarts; on the host's network the server binds it
   * beside the reservation (SO_REUSEADDR), and should that fail the
   * next attempt gets a fresh port. */
  if (attempt == 1 && self->preview_port != 0)
    *port = self->preview_port;
  else
    *port = forge_pick_free_port (error);
  if (*port == 0)
    return FALSE;

  g_mutex_lock (&self->mutex);
  g_hash_table_add (self->offered_ports, GUINT_TO_POINTER (*port));
  g_mutex_unlock (&self->mutex);

  /* Any address when forwarded: connections arrive on its interface. */
  *address = g_strdup (self->own_network ? "0.0.0.0" : "127.0.0.1");
  return TRUE;
}

static char *
forge_local_sandbox_expose_port (ForgeSandbox         *sandbox,
                                 ForgeSandboxProcess  *process,
                                 guint                 port,
                                 GError              **error)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  LocalCommand *cmd = g_object_get_data (G_OBJECT (process), "forge-local-command");
  gboolean offered;

  /* The network is the host's: the port is there already. */
  if (!self->own_network)
    return g_strdup_printf ("127.0.0.1:%u", port);

  if (cmd == NULL)
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                           "The process does not belong to a local sandbox");
      return NULL;
    }

  if (cmd->network == NULL)
    {
      set_not_running_error (error);
      return NULL;
    }

  /* The same number first for a port we offered (see
   * get_listen_address()), never for one a server chose: a hostile one
   * would pick the host ports to take. */
  g_mutex_lock (&self->mutex);
  offered = g_hash_table_contains (self->offered_ports, GUINT_TO_POINTER (port));
  g_mutex_unlock (&self->mutex);

  return forge_sandbox_network_expose_port (cmd->network, port, offered, error);
}

/* Must hold self->mutex. Stops everything; "died" is the caller's job.
 * The network goes first: the processes get a grace period to stop, but
 * nothing reaches them from the host once the sandbox is gone. */
static void
stop_locked (ForgeLocalSandbox *self)
{
  self->running = FALSE;

  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_clear_pointer (&self->timeout_source, g_source_unref);
    }

  for (guint i = 0; i < self->commands->len; i++)
    {
      local_command_stop_network (g_ptr_array_index (self->commands, i));
      local_command_terminate (g_ptr_array_index (self->commands, i));
    }
}

static gboolean
expire_cb (gpointer data)
{
  g_autoptr(ForgeLocalSandbox) self = g_weak_ref_get (data);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->mutex);
  /* Re-armed by another thread while this one was being dispatched. */
  if (self->timeout_source != g_main_current_source () || !self->running)
    {
      g_mutex_unlock (&self->mutex);
      return G_SOURCE_REMOVE;
    }
  stop_locked (self);
  g_mutex_unlock (&self->mutex);

  forge_sandbox_emit_died (FORGE_SANDBOX (self), FORGE_SANDBOX_DEATH_EXPIRED);

  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Must hold self->mutex. */
static void
arm_timeout_locked (ForgeLocalSandbox *self,
                    guint              seconds)
{
  GWeakRef *weak_ref;

  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_clear_pointer (&self->timeout_source, g_source_unref);
    }

  if (seconds == 0)
    return;

  weak_ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak_ref, self);

  self->timeout_source = g_timeout_source_new ((guint) MIN ((guint64) seconds * 1000, G_MAXUINT));
  g_source_set_name (self->timeout_source, "[forge] local sandbox expiry");
  g_source_set_callback (self->timeout_source, expire_cb, weak_ref, weak_ref_free);
  g_source_attach (self->timeout_source, self->main_context);
}

static gboolean
forge_local_sandbox_set_timeout (ForgeSandbox  *sandbox,
                                 guint          seconds,
                                 GError       **error)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  gboolean running;

  g_mutex_lock (&self->mutex);
  running = self->running;
  if (running)
    arm_timeout_locked (self, seconds);
  g_mutex_unlock (&self->mutex);

  if (!running)
    set_not_running_error (error);

  return running;
}

static gboolean
forge_local_sandbox_is_running (ForgeSandbox *sandbox)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  gboolean running;

  g_mutex_lock (&self->mutex);
  running = self->running;
  g_mutex_unlock (&self->mutex);

  return running;
}

static void
forge_local_sandbox_kill (ForgeSandbox *sandbox)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  gboolean was_running;

  g_mutex_lock (&self->mutex);
  was_running = self->running;
  if (was_running)
    stop_locked (self);
  g_mutex_unlock (&self->mutex);

  if (!was_running)
    return;

  /* From an idle even on the main thread, so that handlers never run
   * inside the caller's forge_sandbox_kill(). */
  forge_sandbox_schedule_died (FORGE_SANDBOX (self), self->main_context, FORGE_SANDBOX_DEATH_KILLED);
}

/* own_network is settled before the first command, so no lock. */
static gboolean
forge_local_sandbox_shares_host_network (ForgeSandbox *sandbox)
{
  return !FORGE_LOCAL_SANDBOX (sandbox)->own_network;
}

static char *
forge_local_sandbox_dup_network_note (ForgeSandbox *sandbox)
{
  return g_strdup (forge_local_sandbox_get_network_problem (FORGE_LOCAL_SANDBOX (sandbox)));
}

static char *
forge_local_sandbox_dup_limits_note (ForgeSandbox *sandbox)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  g_autofree char *note = NULL;

  if (self->guard == NULL)
    return NULL;

  note = forge_resource_guard_describe (self->guard);
  if (self->flatpak_mode == FORGE_FLATPAK_SUBSANDBOX)
    return g_strconcat (note, " ", _("Memory, processes and /tmp are not limited in Flatpak’s sub-sandbox."), NULL);
  if (self->flatpak_mode == FORGE_FLATPAK_HOST)
    return g_strconcat (note, " ", _("Memory and processes are not limited on the host from inside Flatpak."), NULL);

  return g_steal_pointer (&note);
}

static char *
forge_local_sandbox_take_limit_report (ForgeSandbox *sandbox)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);

  if (self->guard == NULL)
    return NULL;

  /* What the kernel did a moment ago (an OOM kill) is counted now, not
   * at the guard's next look. */
  forge_resource_guard_check (self->guard);
  return forge_resource_guard_take_report (self->guard);
}

static void
forge_local_sandbox_iface_init (ForgeSandboxInterface *iface)
{
  iface->dup_limits_note = forge_local_sandbox_dup_limits_note;
  iface->take_limit_report = forge_local_sandbox_take_limit_report;
  iface->get_id = forge_local_sandbox_get_id;
  iface->run_sync = forge_local_sandbox_run_sync;
  iface->spawn = forge_local_sandbox_spawn;
  iface->get_listen_address = forge_local_sandbox_get_listen_address;
  iface->expose_port = forge_local_sandbox_expose_port;
  iface->set_timeout = forge_local_sandbox_set_timeout;
  iface->is_running = forge_local_sandbox_is_running;
  iface->kill = forge_local_sandbox_kill;
  iface->shares_host_network = forge_local_sandbox_shares_host_network;
  iface->dup_network_note = forge_local_sandbox_dup_network_note;
  iface->dup_preview_urls = _forge_local_sandbox_dup_preview_urls;
}

/* }}} */

static void
forge_local_sandbox_dispose (GObject *object)
{
  ForgeLocalSandbox *self = (ForgeLocalSandbox *)object;

  /* Nothing outlives the sandbox; no "died" for an object going away. */
  g_mutex_lock (&self->mutex);
  stop_locked (self);
  g_mutex_unlock (&self->mutex);

  if (self->guard != NULL)
    forge_resource_guard_shutdown (self->guard);

  G_OBJECT_CLASS (forge_local_sandbox_parent_class)->dispose (object);
}

static void
forge_local_sandbox_finalize (GObject *object)
{
  ForgeLocalSandbox *self = (ForgeLocalSandbox *)object;

  g_clear_pointer (&self->commands, g_ptr_array_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->repo_dir, g_free);
  g_clear_pointer (&self->home_dir, g_free);
  g_clear_pointer (&self->shared_cache_dir, g_free);
  g_clear_pointer (&self->npm_cache_dir, g_free);
  g_clear_pointer (&self->bwrap, g_free);
  g_clear_pointer (&self->flatpak_app_path, g_free);
  g_clear_pointer (&self->host_shared_dir, g_free);
  g_clear_pointer (&self->host_helper_dir, g_free);
  g_clear_pointer (&self->slirp4netns, g_free);
  g_clear_pointer (&self->network_problem, g_free);
  g_clear_pointer (&self->offered_ports, g_hash_table_unref);
  g_clear_object (&self->guard);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (forge_local_sandbox_parent_class)->finalize (object);
}

static void
forge_local_sandbox_class_init (ForgeLocalSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_local_sandbox_dispose;
  object_class->finalize = forge_local_sandbox_finalize;

  /* Writes to a pipe whose reader died (a command that failed to start)
   * must be errors, not the end of the app. */
  signal (SIGPIPE, SIG_IGN);
}

static void
forge_local_sandbox_init (ForgeLocalSandbox *self)
{
  g_mutex_init (&self->mutex);
  self->commands = g_ptr_array_new_with_free_func (local_command_unref);
  self->offered_ports = g_hash_table_new (NULL, NULL);
  self->main_context = g_main_context_ref_thread_default ();
  self->id = g_strdup_printf ("local-%08x%08x", g_random_int (), g_random_int ());
  self->running = TRUE;
}

/* Makes @name in @dir_fd a symlink to @target, whatever stood there
 * (the folder is the sandbox's to write in): never through a symlink. */
static gboolean
ensure_symlink_at (int         dir_fd,
                   const char *name,
                   const char *target)
{
  char current[PATH_MAX];
  gssize len = readlinkat (dir_fd, name, current, sizeof current - 1);

  if (len >= 0 && (gsize) len == strlen (target) && memcmp (current, target, len) == 0)
    return TRUE;

  /* Another symlink or a file goes; a folder stays, and then the cache is
   * not shared (npm's rename from tmp would cross mounts). */
  if (len >= 0 || errno == EINVAL)
    {
      if (unlinkat (dir_fd, name, 0) != 0)
        return FALSE;
    }
  else if (errno != ENOENT)
    return FALSE;

  return symlinkat (target, dir_fd, name) == 0;
}

/* Opens (making it first) the folder @name in @dir_fd; a symlink or a
 * file in its place is replaced, never followed. */
static int
open_dir_at (int         dir_fd,
             const char *name)
{
  int fd;

  if (mkdirat (dir_fd, name, 0700) != 0 && errno != EEXIST)
    return -1;

  fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
    {
      if (unlinkat (dir_fd, name, 0) != 0 || mkdirat (dir_fd, name, 0700) != 0)
        return -1;
      fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }

  return fd;
}

/* Repository code must never run where it could make a user namespace of
 * its own (root over a new namespace set undoes every other limit): that
 * takes bubblewrap's --disable-userns (0.8 or newer) and a kernel that
 * lets it work. Checked once per process, by trying. */
static gboolean
check_bwrap (const char  *bwrap,
             gboolean     in_flatpak,
             GError     **error)
{
  static const char * const probe_args[] = {
    "--unshare-user", "--disable-userns", "--assert-userns-disabled",
    "--ro-bind", "/", "/", "--", "/bin/true",
  };
  static gsize works;
  g_autoptr(GSubprocess) probe = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *err_text = NULL;
  g_autofree char *first_line = NULL;

  if (g_atomic_pointer_get (&works))
    return TRUE;

  if (in_flatpak)
    {
      g_ptr_array_add (args, (gpointer) forge_flatpak_spawn_program ());
      g_ptr_array_add (args, (gpointer) "--host");
    }
  g_ptr_array_add (args, (gpointer) bwrap);
  for (guint i = 0; i < G_N_ELEMENTS (probe_args); i++)
    g_ptr_array_add (args, (gpointer) probe_args[i]);
  g_ptr_array_add (args, NULL);

  probe = g_subprocess_newv ((const char * const *) args->pdata,
                             G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &local_error);
  if (probe != NULL &&
      g_subprocess_communicate_utf8 (probe, NULL, NULL, NULL, &err_text, &local_error) &&
      g_subprocess_get_if_exited (probe) && g_subprocess_get_exit_status (probe) == 0)
    {
      g_atomic_pointer_set (&works, 1);
      return TRUE;
    }

  first_line = g_strdup (err_text != NULL ? err_text
                         : local_error != NULL ? local_error->message : "");
  g_strdelimit (first_line, "\n", '\0');

  if (strstr (first_line, "disable-userns") != NULL || strstr (first_line, "assert-userns") != NULL)
    g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                 _("This bubblewrap cannot keep repository code from making user namespaces (%s): install bubblewrap 0.8 or newer to run previews."),
                 first_line);
  else
    g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                 _("Could not start the sandbox (%s): check that user namespaces are enabled."),
                 first_line[0] != '\0' ? first_line : _("bubblewrap failed"));
  return FALSE;
}

/* Whether slirp4netns can give commands a network of their own here (it
 * needs user namespaces and /dev/net/tun): tried with a command that does
 * nothing, once per process and helper when it works, and again for the
 * next sandbox when it did not (a loaded machine may just have been slow). */
static gboolean
check_own_network (ForgeLocalSandbox  *self,
                   char              **problem)
{
  static GMutex mutex;
  static GHashTable *results;   /* slirp4netns paths that worked */

  g_mutex_lock (&mutex);

  if (results == NULL)
    results = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!g_hash_table_contains (results, self->slirp4netns))
    {
      g_autoptr(GError) error = NULL;
      const char *argv[] = { "true", NULL };
      int status = -1;

      if (!forge_sandbox_run_sync (FORGE_SANDBOX (self), argv, NULL, NULL, NULL, NULL,
                                   &status, NULL, &error) || status != 0)
        {
          *problem = g_strdup (error != NULL ? error->message : "exit status");
          g_mutex_unlock (&mutex);
          g_message ("This sandbox shares this computer’s network: %s", *problem);
          return FALSE;
        }

      g_hash_table_add (results, g_strdup (self->slirp4netns));
    }

  g_mutex_unlock (&mutex);

  return TRUE;
}

/* Runs @argv (through flatpak-spawn) and gives its output; FALSE with
 * the first line of what it printed when it failed. */
static gboolean
run_spawn_probe (const char * const  *argv,
                 char               **out_text,
                 char               **problem)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_auto(GStrv) env = dup_spawner_environ (TRUE);
  g_autoptr(GSubprocess) probe = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err_text = NULL;

  g_subprocess_launcher_set_environ (launcher, env);
  probe = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (probe != NULL &&
      g_subprocess_communicate_utf8 (probe, NULL, NULL, out_text, &err_text, &error) &&
      g_subprocess_get_if_exited (probe) && g_subprocess_get_exit_status (probe) == 0)
    return TRUE;

  *problem = g_strdup (err_text != NULL && err_text[0] != '\0' ? err_text
                       : error != NULL ? error->message : _("it failed"));
  g_strdelimit (*problem, "\n", '\0');
  return FALSE;
}

/* Whether @spawn is known to work (for @what); remembered per program,
 * as the tests change it. */
static gboolean
spawn_probe_passed (const char *what,
                    const char *spawn,
                    gboolean    set)
{
  static GMutex mutex;
  static GHashTable *passed;
  g_autofree char *key = g_strconcat (what, ":", spawn, NULL);
  gboolean result;

  g_mutex_lock (&mutex);
  if (passed == NULL)
    passed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (set)
    g_hash_table_add (passed, g_steal_pointer (&key));
  result = set || g_hash_table_contains (passed, key);
  g_mutex_unlock (&mutex);

  return result;
}

/* The portal's sub-sandbox needs Flatpak 1.6 or newer and its portal
 * running: tried once with a command that does nothing. */
static gboolean
check_subsandbox (GError **error)
{
  const char *spawn = forge_flatpak_spawn_program ();
  const char *argv[] = { spawn, "--sandbox", "--watch-bus", "--clear-env", "--directory=/", "true", NULL };
  g_autofree char *problem = NULL;

  if (spawn_probe_passed ("sandbox", spawn, FALSE))
    return TRUE;

  if (!run_spawn_probe (argv, NULL, &problem))
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                   _("Could not start Flatpak’s sub-sandbox (%s): update Flatpak to 1.6 or newer, or turn on “Run Projects on the Host” in Preferences."),
                   problem);
      return FALSE;
    }

  spawn_probe_passed ("sandbox", spawn, TRUE);
  return TRUE;
}

/* What running on the host takes there: bwrap for the sandbox, Node for
 * the projects (the host's /usr is the sandbox's), slirp4netns for a
 * network of its own (@has_slirp4netns). Named all at once. */
static gboolean
check_host_tools (gboolean  *has_slirp4netns,
                  GError   **error)
{
  static const char *script = "for t; do command -v \"$t\" >/dev/null 2>&1 || echo \"$t\"; done";
  const char *spawn = forge_flatpak_spawn_program ();
  const char *argv[] = { spawn, "--host", "--watch-bus", "/bin/sh", "-c", script, "sh", "bwrap", "node", "slirp4netns", NULL };
  g_autofree char *missing = NULL;
  g_autofree char *problem = NULL;
  g_auto(GStrv) names = NULL;

  *has_slirp4netns = spawn_probe_passed ("host-slirp4netns", spawn, FALSE);
  if (spawn_probe_passed ("host", spawn, FALSE))
    return TRUE;

  if (!run_spawn_probe (argv, &missing, &problem))
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                   _("Could not run a command on the host (%s): turn off “Run Projects on the Host” in Preferences."),
                   problem);
      return FALSE;
    }

  /* Without slirp4netns, previews share the host's network, as outside
   * Flatpak (and said so): the rest cannot be done without. */
  names = g_strsplit (missing != NULL ? g_strstrip (missing) : "", "\n", -1);
  for (guint i = 0; names[i] != NULL; i++)
    if (names[i][0] != '\0' && !g_str_equal (names[i], "slirp4netns"))
      {
        g_debug ("Missing on the host: %s", missing);
        g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                             _("Running projects on the host needs bubblewrap, slirp4netns and Node.js installed on the host (packages bubblewrap, slirp4netns, nodejs)."));
        return FALSE;
      }

  *has_slirp4netns = !g_strv_contains ((const char * const *) names, "slirp4netns");
  if (*has_slirp4netns)
    spawn_probe_passed ("host-slirp4netns", spawn, TRUE);
  spawn_probe_passed ("host", spawn, TRUE);
  return TRUE;
}

/* Host mode's folder shared with the host ($XDG_RUNTIME_DIR/app/$FLATPAK_ID,
 * see forge_flatpak_dup_shared_runtime_dir()) and in it the helpers the
 * host can run: the Node static server. Only the app writes there; the
 * sandbox gets it read-only. */
static gboolean
host_helpers_write (char   **shared_dir_out,
                    char   **helper_dir_out,
                    GError **error)
{
  g_autofree char *shared_dir = forge_flatpak_dup_shared_runtime_dir ();
  g_autofree char *helper_dir = NULL;
  g_autofree char *script_path = NULL;
  const char *script = forge_e2b_sandbox_get_static_server_script ();
  g_autoptr(GError) local_error = NULL;

  /* Flatpak always names the app; without a name, a folder of ours is
   * the best left (the host may not see it: bwrap then says so). */
  if (shared_dir == NULL)
    shared_dir = g_build_filename (g_get_user_runtime_dir (), "forge-preview", NULL);
  helper_dir = g_build_filename (shared_dir, "host-helpers", NULL);
  script_path = g_build_filename (helper_dir, HOST_STATIC_SERVER, NULL);

  if (g_mkdir_with_parents (helper_dir, 0700) != 0 ||
      !g_file_set_contents_full (script_path, script, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local_error))
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("Could not prepare the host’s helpers in “%s”: %s. Check the free space of your runtime folder."),
                   helper_dir, local_error != NULL ? local_error->message : g_strerror (errno));
      return FALSE;
    }

  *shared_dir_out = g_steal_pointer (&shared_dir);
  *helper_dir_out = g_steal_pointer (&helper_dir);
  return TRUE;
}

/* How sandboxes run here, when they can run at all: one check for
 * forge_local_sandbox_new_full() and
 * forge_local_sandbox_check_available_full(), so both give the same
 * reason. Inside Flatpak, the portal's sub-sandbox unless @flatpak_host. */
static gboolean
find_usable_sandbox (gboolean           flatpak_host,
                     char             **bwrap_out,
                     ForgeFlatpakMode  *mode_out,
                     char             **app_path_out,
                     gboolean          *host_slirp4netns_out,
                     GError           **error)
{
  gboolean host_slirp4netns = FALSE;
  g_autofree char *bwrap = NULL;
  g_autofree char *app_path = NULL;
  ForgeFlatpakMode mode = FORGE_FLATPAK_NONE;

  if (forge_flatpak_detect (&app_path))
    mode = flatpak_host ? FORGE_FLATPAK_HOST : FORGE_FLATPAK_SUBSANDBOX;

  if (mode == FORGE_FLATPAK_SUBSANDBOX)
    {
      if (!check_subsandbox (error))
        return FALSE;
    }
  else
    {
      if (mode == FORGE_FLATPAK_HOST)
        {
          if (!check_host_tools (&host_slirp4netns, error))
            return FALSE;
          bwrap = g_strdup ("bwrap");
        }
      else if (!(bwrap = g_find_program_in_path ("bwrap")))
        {
          g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                               _("Bubblewrap is not installed: install the “bubblewrap” package to run previews on this computer."));
          return FALSE;
        }

      if (!forge_seccomp_is_supported ())
        {
          set_unsupported_error (error);
          return FALSE;
        }

      if (!check_bwrap (bwrap, mode == FORGE_FLATPAK_HOST, error))
        return FALSE;
    }

  if (bwrap_out != NULL)
    *bwrap_out = g_steal_pointer (&bwrap);
  if (mode_out != NULL)
    *mode_out = mode;
  if (app_path_out != NULL)
    *app_path_out = g_steal_pointer (&app_path);
  if (host_slirp4netns_out != NULL)
    *host_slirp4netns_out = host_slirp4netns;
  return TRUE;
}

gboolean
forge_local_sandbox_check_available (GError **error)
{
  return forge_local_sandbox_check_available_full (FALSE, error);
}

gboolean
forge_local_sandbox_check_available_full (gboolean   flatpak_host,
                                          GError   **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return find_usable_sandbox (flatpak_host, NULL, NULL, NULL, NULL, error);
}

ForgeLocalSandbox *
forge_local_sandbox_new (const char  *repo_dir,
                         const char  *home_dir,
                         guint        timeout_seconds,
                         GError     **error)
{
  return forge_local_sandbox_new_full (repo_dir, home_dir, timeout_seconds, FALSE, error);
}

ForgeLocalSandbox *
forge_local_sandbox_new_full (const char  *repo_dir,
                              const char  *home_dir,
                              guint        timeout_seconds,
                              gboolean     flatpak_host,
                              GError     **error)
{
  g_autoptr(ForgeLocalSandbox) self = NULL;
  g_autofree char *bwrap = NULL;
  g_autofree char *app_path = NULL;
  int home_fd = -1;
  int repo_mount_fd = -1;
  g_autofree char *slirp4netns = NULL;
  g_autofree char *host_shared_dir = NULL;
  g_autofree char *host_helper_dir = NULL;
  gboolean host_slirp4netns = FALSE;
  ForgeFlatpakMode mode;

  g_return_val_if_fail (repo_dir != NULL, NULL);
  g_return_val_if_fail (home_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!find_usable_sandbox (flatpak_host, &bwrap, &mode, &app_path, &host_slirp4netns, error))
    return NULL;

  /* The portal's sub-sandbox cannot have a network namespace of its own
   * at all; on the host, slirp4netns runs there too, its API socket in a
   * folder the app sees at the same path. */
  if (mode == FORGE_FLATPAK_NONE)
    slirp4netns = g_find_program_in_path ("slirp4netns");
  else if (mode == FORGE_FLATPAK_HOST)
    {
      if (!host_helpers_write (&host_shared_dir, &host_helper_dir, error))
        return NULL;
      if (host_slirp4netns)
        slirp4netns = g_strdup ("slirp4netns");
    }

  if (!g_file_test (repo_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("The project folder “%s” is missing: clone the repository again."),
                   repo_dir);
      return NULL;
    }

  /* The mount point of the repository inside the persistent home, where
   * a sandbox may have left anything: made without following a symlink. */
  if (g_mkdir_with_parents (home_dir, 0700) != 0 ||
      (home_fd = open (home_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
      (repo_mount_fd = open_dir_at (home_fd, "repo")) < 0)
    {
      int errsv = errno;

      if (home_fd >= 0)
        close (home_fd);

      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("Could not create the sandbox home folder “%s”: %s. Check the free space and permissions of your cache folder."),
                   home_dir, g_strerror (errsv));
      return NULL;
    }
  close (repo_mount_fd);
  close (home_fd);

  self = g_object_new (FORGE_TYPE_LOCAL_SANDBOX, NULL);
  self->repo_dir = g_canonicalize_filename (repo_dir, NULL);
  self->home_dir = g_canonicalize_filename (home_dir, NULL);
  self->bwrap = g_steal_pointer (&bwrap);
  self->flatpak_mode = mode;
  self->flatpak_app_path = g_steal_pointer (&app_path);
  self->host_shared_dir = g_steal_pointer (&host_shared_dir);
  self->host_helper_dir = g_steal_pointer (&host_helper_dir);

  if (slirp4netns != NULL)
    {
      g_autofree char *problem = NULL;

      self->slirp4netns = g_steal_pointer (&slirp4netns);
      self->own_network = TRUE;
      if (!check_own_network (self, &problem))
        {
          self->own_network = FALSE;
          self->network_problem = g_strdup_printf (_("Network not isolated: slirp4netns cannot run here (%s)."), problem);
        }
    }
  else
    {
      /* On the host, what is missing is the host's, as outside Flatpak. */
      self->network_problem = g_strdup (mode == FORGE_FLATPAK_SUBSANDBOX
                                        ? _("Network not isolated: inside Flatpak, previews share this computer’s network.")
                                        : _("Network not isolated: install slirp4netns to give each preview a network of its own."));
    }

  g_mutex_lock (&self->mutex);
  arm_timeout_locked (self, timeout_seconds);
  g_mutex_unlock (&self->mutex);

  return g_steal_pointer (&self);
}

/* The guard's thread, when what runs must stop (the workspace went past
 * its cap): the sandbox stays, its commands go. */
static void
guard_stop_cb (gpointer data)
{
  g_autoptr(ForgeLocalSandbox) self = g_weak_ref_get (data);

  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->commands->len; i++)
    local_command_force_kill (g_ptr_array_index (self->commands, i));
  g_mutex_unlock (&self->mutex);
}

void
forge_local_sandbox_set_limits (ForgeLocalSandbox        *self,
                                const ForgeSandboxLimits *limits)
{
  _forge_local_sandbox_set_limits_in_cgroup (self, limits, NULL);
}

void
_forge_local_sandbox_set_limits_in_cgroup (ForgeLocalSandbox        *self,
                                           const ForgeSandboxLimits *limits,
                                           ForgeCgroup              *cgroup)
{
  GWeakRef *ref;
  const char *watched[3];
  ForgeSandboxLimits held;

  g_return_if_fail (FORGE_IS_LOCAL_SANDBOX (self));
  g_return_if_fail (limits != NULL);
  g_return_if_fail (self->guard == NULL);

  /* Inside Flatpak the commands are the portal's or the host's children,
   * never ours: no cgroup or rlimit of ours reaches them, nor can the
   * memory of processes we cannot see be watched. What holds: open
   * files (set inside, see forge_flatpak_wrap_open_files()), the disk
   * watch, and on the host bwrap's /tmp. */
  held = *limits;
  if (self->flatpak_mode != FORGE_FLATPAK_NONE)
    {
      held.memory_bytes = 0;
      held.max_tasks = 0;
      cgroup = NULL;
    }
  if (self->flatpak_mode == FORGE_FLATPAK_SUBSANDBOX)
    held.tmp_bytes = 0;
  limits = &held;

  watched[0] = self->repo_dir;
  watched[1] = self->home_dir;
  watched[2] = NULL;

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  self->guard = _forge_resource_guard_new_in_cgroup (self->id, limits, watched, cgroup,
                                                     guard_stop_cb, ref, weak_ref_free);
}

guint64
forge_local_sandbox_get_memory_peak (ForgeLocalSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), 0);

  return self->guard != NULL ? forge_resource_guard_get_memory_peak (self->guard) : 0;
}

guint64
forge_local_sandbox_get_tasks_peak (ForgeLocalSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), 0);

  return self->guard != NULL ? forge_resource_guard_get_tasks_peak (self->guard) : 0;
}

const char *
forge_local_sandbox_get_cgroup_kind (ForgeLocalSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), NULL);

  return self->guard != NULL ? forge_resource_guard_get_cgroup_kind (self->guard) : NULL;
}

void
forge_local_sandbox_set_shared_network (ForgeLocalSandbox *self,
                                        gboolean           shared)
{
  g_return_if_fail (FORGE_IS_LOCAL_SANDBOX (self));

  if (!shared || !self->own_network)
    return;

  self->own_network = FALSE;
  g_free (self->network_problem);
  self->network_problem = g_strdup (_("Network not isolated: this sandbox was asked to share this computer’s network."));
}

void
forge_local_sandbox_set_preview_port (ForgeLocalSandbox *self,
                                      guint              port)
{
  g_return_if_fail (FORGE_IS_LOCAL_SANDBOX (self));
  g_return_if_fail (port <= G_MAXUINT16);

  self->preview_port = port;
}

const char *
forge_local_sandbox_get_network_problem (ForgeLocalSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), NULL);

  return self->own_network ? NULL : self->network_problem;
}

gboolean
forge_local_sandbox_has_own_network (ForgeLocalSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), FALSE);

  return self->own_network;
}

void
forge_local_sandbox_set_package_cache (ForgeLocalSandbox *self,
                                       const char        *shared_dir,
                                       const char        *project_dir)
{
  static const char * const shared_parts[] = { "content-v2", "tmp" };
  int project_fd = -1;
  int cacache_fd = -1;
  gboolean ok;

  g_return_if_fail (FORGE_IS_LOCAL_SANDBOX (self));
  g_return_if_fail ((shared_dir == NULL) == (project_dir == NULL));

  g_clear_pointer (&self->shared_cache_dir, g_free);
  g_clear_pointer (&self->npm_cache_dir, g_free);
  /* The sub-sandbox sees folders at their own paths, not at the mount
   * points the store's symlinks lead to: npm keeps its cache in the
   * project's home there. */
  if (shared_dir == NULL || self->flatpak_mode == FORGE_FLATPAK_SUBSANDBOX)
    return;

  /* npm writes an entry to _cacache/tmp and renames it into
   * _cacache/content-v2: both must lead into the one shared mount. */
  ok = g_mkdir_with_parents (shared_dir, 0700) == 0 &&
       g_mkdir_with_parents (project_dir, 0700) == 0 &&
       (project_fd = open (project_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
       (cacache_fd = open_dir_at (project_fd, "_cacache")) >= 0;

  for (guint i = 0; ok && i < G_N_ELEMENTS (shared_parts); i++)
    {
      g_autofree char *shared_part = g_build_filename (shared_dir, shared_parts[i], NULL);
      g_autofree char *target = g_build_filename (FORGE_BWRAP_SHARED_CACHE_INSIDE, shared_parts[i], NULL);

      /* mkdir() never follows a symlink planted in its place. */
      ok = (g_mkdir (shared_part, 0700) == 0 || errno == EEXIST) &&
           ensure_symlink_at (cacache_fd, shared_parts[i], target);
    }

  if (!ok)
    g_warning ("Could not share the package cache %s: %s", shared_dir, g_strerror (errno));

  if (cacache_fd >= 0)
    close (cacache_fd);
  if (project_fd >= 0)
    close (project_fd);

  if (!ok)
    return;

  self->shared_cache_dir = g_canonicalize_filename (shared_dir, NULL);
  self->npm_cache_dir = g_canonicalize_filename (project_dir, NULL);
}

ForgeFlatpakMode
_forge_local_sandbox_get_flatpak_mode (ForgeLocalSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), FORGE_FLATPAK_NONE);

  return self->flatpak_mode;
}

char **
_forge_local_sandbox_dup_command_line (ForgeLocalSandbox  *self,
                                       gboolean            in_flatpak,
                                       const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  char **line;

  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), NULL);

  line = build_command_line (self, in_flatpak, argv, NULL, NULL, FALSE, &error);
  g_assert_no_error (error);

  return line;
}
