/* forge-local-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>

#include "forge-local-sandbox.h"
#include "forge-sandbox-process-private.h"

/* How long processes get to exit after SIGTERM before SIGKILL. */
#define GRACE_PERIOD_USEC (2 * G_TIME_SPAN_SECOND)
/* Longer "lines" (minified output, progress bars) are delivered in pieces. */
#define MAX_LINE_LENGTH (64 * 1024)

#define INFO_FD    3
#define PASSWD_FD  4
#define GROUP_FD   5
#define SECCOMP_FD 6

/* One bwrap container running one command. Shared (refcounted) between
 * the sandbox, the thread reading its output and its ForgeSandboxProcess. */
typedef struct
{
  GMutex       mutex;
  GCond        cond;
  GSubprocess *subprocess;   /* the outer bwrap, our child */
  GPid         init_pid;     /* host pid of the PID namespace's init */
  guint64      pid_ns;       /* inode of that namespace, 0 if unknown */
  int          bwrap_pidfd;  /* readable once bwrap has exited, or -1 */
  int          status;
  guint        exited : 1;
  guint        terminating : 1;
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
  GPtrArray    *commands;          /* LocalCommand, under mutex */
  GSource      *timeout_source;    /* under mutex */
  guint         running : 1;       /* under mutex */
  guint         in_flatpak : 1;
};

static void forge_local_sandbox_iface_init (ForgeSandboxInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeLocalSandbox, forge_local_sandbox, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX,
                                                      forge_local_sandbox_iface_init))

/* {{{ Killing process trees */

static guint64
get_pid_namespace (GPid pid)
{
  char path[64];
  struct stat st;

  g_snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  if (stat (path, &st) != 0)
    return 0;

  return st.st_ino;
}

/* Signals every process whose PID namespace is @pid_ns: that is the whole
 * tree of a command, including daemons that re-parented themselves. */
static void
signal_namespace (guint64 pid_ns,
                  int     signum)
{
  DIR *dir;
  struct dirent *ent;

  if (pid_ns == 0)
    return;

  if (!(dir = opendir ("/proc")))
    return;

  while ((ent = readdir (dir)))
    {
      char *end = NULL;
      gint64 pid = g_ascii_strtoll (ent->d_name, &end, 10);

      if (pid <= 0 || end == NULL || *end != '\0')
        continue;

      if (get_pid_namespace ((GPid) pid) == pid_ns)
        kill ((pid_t) pid, signum);
    }

  closedir (dir);
}

static void
local_command_clear (gpointer data)
{
  LocalCommand *cmd = data;

  g_clear_object (&cmd->subprocess);
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
  signal_namespace (cmd->pid_ns, SIGKILL);
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

  signal_namespace (cmd->pid_ns, SIGTERM);

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

static void
add_args (GPtrArray *args,
          ...)
{
  const char *arg;
  va_list ap;

  va_start (ap, args);
  while ((arg = va_arg (ap, const char *)))
    g_ptr_array_add (args, g_strdup (arg));
  va_end (ap);
}

#if defined(__x86_64__)
# define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
# define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef NATIVE_AUDIT_ARCH
/* The sandbox shares the host's network (dev servers must answer on the
 * host's 127.0.0.1), and with it the abstract unix socket namespace, where
 * X11/XWayland and sometimes a session bus listen. Code from a repository
 * may not create unix sockets at all; socketpair(), which Node uses for
 * child process pipes, stays allowed. Other ABIs (x32, 32-bit) are refused
 * outright, as their numbers would slip past this check. */
static const struct sock_filter no_unix_sockets[] = {
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
#ifdef __x86_64__
  BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
#endif
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
  /* The domain, args[0]: its low 32 bits come first on little-endian. */
  BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[0])),
  BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
  BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
#endif

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

static gboolean
pass_data_fd (GSubprocessLauncher  *launcher,
              const char           *contents,
              int                   target_fd,
              GError              **error)
{
  return pass_bytes_fd (launcher, contents, strlen (contents), target_fd, error);
}

static const char *
get_helper_dir (void)
{
  const char *dir = g_getenv ("FORGE_HELPER_DIR");

  if (dir != NULL && dir[0] != '\0')
    return dir;

  return LIBEXECDIR "/forge-preview";
}

static gboolean
path_is_visible_inside (const char *path)
{
  static const char * const prefixes[] = {
    "/etc/ssl/", "/etc/pki/", "/etc/ca-certificates/", "/usr/",
  };

  if (!g_path_is_absolute (path) || strstr (path, "/..") != NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      gsize len = strlen (prefixes[i]);

      /* The directory itself, or something below it. */
      if (g_str_has_prefix (path, prefixes[i]) ||
          (strlen (path) == len - 1 && strncmp (path, prefixes[i], len - 1) == 0))
        return TRUE;
    }

  return FALSE;
}

static GPtrArray *
build_bwrap_args (ForgeLocalSandbox  *self,
                  const char * const *argv,
                  const char * const *env,
                  const char         *cwd)
{
  static const char * const root_dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
  /* What programs in /usr need from /etc; nothing else of the host's
   * configuration (and no credentials) becomes visible. */
  static const char * const etc_files[] = {
    "/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf",
    "/etc/nsswitch.conf", "/etc/localtime", "/etc/timezone",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
    "/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf",
    "/etc/pki", "/etc/crypto-policies",
    /* Debian routes many /usr/bin symlinks through here. */
    "/etc/alternatives",
    "/etc/npmrc", "/etc/mime.types",
  };
  static const char * const ca_variables[] = {
    "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR",
  };
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  const char *helper_dir = get_helper_dir ();

  if (self->in_flatpak)
    add_args (args, "flatpak-spawn", "--host", "--watch-bus",
              "--forward-fd=3", "--forward-fd=4", "--forward-fd=5", NULL);

  add_args (args, self->bwrap,
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "forge-sandbox",
            "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr",
            NULL);

  for (guint i = 0; i < G_N_ELEMENTS (root_dirs); i++)
    {
      g_autofree char *path = g_strconcat ("/", root_dirs[i], NULL);
      struct stat st;

      if (lstat (path, &st) != 0)
        continue;

      if (S_ISLNK (st.st_mode))
        {
          g_autofree char *target = g_file_read_link (path, NULL);

          if (target != NULL)
            add_args (args, "--symlink", target, path, NULL);
        }
      else if (S_ISDIR (st.st_mode))
        {
          add_args (args, "--ro-bind", path, path, NULL);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (etc_files); i++)
    add_args (args, "--ro-bind-try", etc_files[i], etc_files[i], NULL);

  add_args (args,
            "--ro-bind-data", G_STRINGIFY (PASSWD_FD), "/etc/passwd",
            "--ro-bind-data", G_STRINGIFY (GROUP_FD), "/etc/group",
            "--proc", "/proc",
            "--dev", "/dev",
            "--tmpfs", "/tmp",
            "--dir", "/var/tmp",
            "--bind", self->home_dir, FORGE_SANDBOX_HOME_DIR,
            "--bind", self->repo_dir, FORGE_SANDBOX_REPO_DIR,
            NULL);

  if (g_file_test (helper_dir, G_FILE_TEST_IS_DIR))
    add_args (args, "--ro-bind", helper_dir, "/opt/forge/bin", NULL);

  add_args (args,
            "--clearenv",
            "--setenv", "HOME", FORGE_SANDBOX_HOME_DIR,
            "--setenv", "USER", "user",
            "--setenv", "LOGNAME", "user",
            "--setenv", "PATH", "/opt/forge/bin:/usr/local/bin:/usr/bin:/bin",
            "--setenv", "LANG", "C.UTF-8",
            "--setenv", "TERM", "dumb",
            NULL);

  /* Where the host points TLS clients at a custom CA bundle (e.g. behind
   * an intercepting proxy), tools inside need the same, and the bundle is
   * visible inside when it lives in one of the directories bound above. */
  for (guint i = 0; i < G_N_ELEMENTS (ca_variables); i++)
    {
      const char *value = g_getenv (ca_variables[i]);

      if (value == NULL || !path_is_visible_inside (value))
        continue;

      add_args (args, "--setenv", ca_variables[i], value, NULL);
    }

  for (guint i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *eq = strchr (env[i], '=');
      g_autofree char *key = NULL;

      if (eq == NULL || eq == env[i])
        {
          g_debug ("Ignoring malformed environment entry for the sandbox");
          continue;
        }

      key = g_strndup (env[i], eq - env[i]);
      add_args (args, "--setenv", key, eq + 1, NULL);
    }

  add_args (args,
            "--chdir", cwd != NULL ? cwd : FORGE_SANDBOX_REPO_DIR,
            "--info-fd", G_STRINGIFY (INFO_FD),
            NULL);
#ifdef NATIVE_AUDIT_ARCH
  add_args (args, "--seccomp", G_STRINGIFY (SECCOMP_FD), NULL);
#endif
  add_args (args, "--", NULL);

  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));

  g_ptr_array_add (args, NULL);

  return args;
}

/* Returns -2 when bwrap has exited already, -1 when pidfds are not
 * available (before Linux 5.3). */
static int
open_pidfd (GSubprocess *subprocess)
{
#ifdef SYS_pidfd_open
  const char *identifier = g_subprocess_get_identifier (subprocess);
  int fd;

  /* NULL once reaped, so the pid cannot have been recycled yet. */
  if (identifier == NULL)
    return -2;

  fd = (int) syscall (SYS_pidfd_open, (pid_t) g_ascii_strtoll (identifier, NULL, 10), 0);
  if (fd < 0)
    return errno == ESRCH ? -2 : -1;

  return fd;
#else
  return -1;
#endif
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

  for (;;)
    {
      char chunk[512];
      gssize n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      g_string_append_len (buf, chunk, n);
    }

  if (buf->len == 0 ||
      !json_parser_load_from_data (parser, buf->str, buf->len, NULL) ||
      !(root = json_parser_get_root (parser)) ||
      !JSON_NODE_HOLDS_OBJECT (root))
    return 0;

  obj = json_node_get_object (root);

  return (GPid) json_object_get_int_member_with_default (obj, "child-pid", 0);
}

static void
unregister_command (ForgeLocalSandbox *self,
                    LocalCommand      *cmd)
{
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

static LocalCommand *
start_command (ForgeLocalSandbox   *self,
               const char * const  *argv,
               const char * const  *env,
               const char          *cwd,
               GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *passwd = NULL;
  g_autofree char *group = NULL;
  g_autoptr(LocalCommand) cmd = NULL;
  const char *bwrap_env[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL, NULL, NULL };
  int info_fds[2];
  GPid child_pid;
  gboolean running;

  g_mutex_lock (&self->mutex);
  running = self->running;
  g_mutex_unlock (&self->mutex);

  if (!running)
    {
      set_not_running_error (error);
      return NULL;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);

  /* bwrap itself gets no more of our environment than it needs either;
   * flatpak-spawn needs the session bus to reach the host. */
  if (self->in_flatpak)
    {
      g_autofree char *bus = NULL;
      g_autofree char *runtime = NULL;

      if (g_getenv ("DBUS_SESSION_BUS_ADDRESS"))
        bwrap_env[2] = bus = g_strconcat ("DBUS_SESSION_BUS_ADDRESS=", g_getenv ("DBUS_SESSION_BUS_ADDRESS"), NULL);
      runtime = g_strconcat ("XDG_RUNTIME_DIR=", g_get_user_runtime_dir (), NULL);
      bwrap_env[bus ? 3 : 2] = runtime;
      g_subprocess_launcher_set_environ (launcher, (char **) bwrap_env);
    }
  else
    {
      g_subprocess_launcher_set_environ (launcher, (char **) bwrap_env);
    }

  /* A synthesized account, so that the host's user list stays private. */
  passwd = g_strdup_printf ("user:x:%u:%u:Forge Preview:" FORGE_SANDBOX_HOME_DIR ":/bin/sh\n"
                            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                            (guint) getuid (), (guint) getgid ());
  group = g_strdup_printf ("user:x:%u:\n"
                           "nogroup:x:65534:\n",
                           (guint) getgid ());

  if (!pass_data_fd (launcher, passwd, PASSWD_FD, error) ||
      !pass_data_fd (launcher, group, GROUP_FD, error)
#ifdef NATIVE_AUDIT_ARCH
      || !pass_bytes_fd (launcher, no_unix_sockets, sizeof no_unix_sockets, SECCOMP_FD, error)
#endif
      )
    return NULL;

  if (!g_unix_open_pipe (info_fds, FD_CLOEXEC, error))
    return NULL;
  g_subprocess_launcher_take_fd (launcher, info_fds[1], INFO_FD);

  args = build_bwrap_args (self, argv, env, cwd);
  subprocess = spawn_from_spawner_thread (launcher, (const char * const *) args->pdata, error);

  /* Closes our copy of the write end, so that read_child_pid() sees EOF
   * when bwrap fails before writing. */
  g_clear_object (&launcher);

  if (subprocess == NULL)
    {
      close (info_fds[0]);
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

  if (child_pid == 0)
    {
      g_autofree char *err_text = NULL;
      g_autofree char *first_line = NULL;

      g_subprocess_communicate_utf8 (subprocess, NULL, NULL, NULL, &err_text, NULL);
      first_line = g_strdup (err_text != NULL ? err_text : "");
      g_strdelimit (first_line, "\n", '\0');
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not start the sandbox (%s): check that user namespaces are enabled."),
                   first_line[0] != '\0' ? first_line : _("bubblewrap failed"));
      return NULL;
    }

  cmd = g_atomic_rc_box_new0 (LocalCommand);
  cmd->bwrap_pidfd = -1;
  g_mutex_init (&cmd->mutex);
  g_cond_init (&cmd->cond);
  cmd->subprocess = g_steal_pointer (&subprocess);
  cmd->init_pid = child_pid;
  cmd->pid_ns = get_pid_namespace (child_pid);
  cmd->bwrap_pidfd = open_pidfd (cmd->subprocess);

  /* bwrap is already gone: see pump_output(). */
  if (cmd->bwrap_pidfd == -2)
    {
      cmd->bwrap_pidfd = -1;
      signal_namespace (cmd->pid_ns, SIGKILL);
    }

  g_mutex_lock (&self->mutex);
  running = self->running;
  if (running)
    g_ptr_array_add (self->commands, local_command_ref (cmd));
  g_mutex_unlock (&self->mutex);

  /* Killed or expired while we were starting it. */
  if (!running)
    {
      local_command_terminate (cmd);
      set_not_running_error (error);
      return NULL;
    }

  return g_steal_pointer (&cmd);
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
  g_autofree char *line = NULL;

  if (line_func == NULL)
    return;

  if (len > 0 && data[len - 1] == '\r')
    len--;

  line = g_utf8_make_valid (data, len);
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
          signal_namespace (cmd->pid_ns, SIGKILL);
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
              if (bufs[i]->len > 0)
                deliver_line (streams[i], bufs[i]->str, bufs[i]->len, line_func, user_data);
              g_string_truncate (bufs[i], 0);
              fds[i].fd = -1;
              n_open--;
              continue;
            }

          g_string_append_len (bufs[i], chunk, n);

          while ((nl = memchr (bufs[i]->str + start, '\n', bufs[i]->len - start)))
            {
              deliver_line (streams[i], bufs[i]->str + start, nl - (bufs[i]->str + start),
                            line_func, user_data);
              start = nl - bufs[i]->str + 1;
            }
          g_string_erase (bufs[i], 0, start);

          if (bufs[i]->len >= MAX_LINE_LENGTH)
            {
              deliver_line (streams[i], bufs[i]->str, bufs[i]->len, line_func, user_data);
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

  if (!(cmd = start_command (self, argv, env, cwd, error)))
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
    {
      if (WIFEXITED (status))
        *exit_status = WEXITSTATUS (status);
      else if (WIFSIGNALED (status))
        *exit_status = 128 + WTERMSIG (status);
      else
        *exit_status = 255;
    }

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

  if (!(cmd = start_command (self, argv, env, cwd, error)))
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

static char *
forge_local_sandbox_get_host (ForgeSandbox *sandbox,
                              guint         port)
{
  /* The network namespace is the host's. */
  return g_strdup_printf ("127.0.0.1:%u", port);
}

/* Must hold self->mutex. Stops everything; "died" is the caller's job. */
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
    local_command_terminate (g_ptr_array_index (self->commands, i));
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

static gboolean
emit_killed_cb (gpointer data)
{
  forge_sandbox_emit_died (data, FORGE_SANDBOX_DEATH_KILLED);

  return G_SOURCE_REMOVE;
}

static void
forge_local_sandbox_kill (ForgeSandbox *sandbox)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  g_autoptr(GSource) source = NULL;
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
  source = g_idle_source_new ();
  g_source_set_name (source, "[forge] local sandbox died");
  g_source_set_callback (source, emit_killed_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->main_context);
}

static void
forge_local_sandbox_iface_init (ForgeSandboxInterface *iface)
{
  iface->get_id = forge_local_sandbox_get_id;
  iface->run_sync = forge_local_sandbox_run_sync;
  iface->spawn = forge_local_sandbox_spawn;
  iface->get_host = forge_local_sandbox_get_host;
  iface->set_timeout = forge_local_sandbox_set_timeout;
  iface->is_running = forge_local_sandbox_is_running;
  iface->kill = forge_local_sandbox_kill;
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
  g_clear_pointer (&self->bwrap, g_free);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (forge_local_sandbox_parent_class)->finalize (object);
}

static void
forge_local_sandbox_class_init (ForgeLocalSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_local_sandbox_dispose;
  object_class->finalize = forge_local_sandbox_finalize;
}

static void
forge_local_sandbox_init (ForgeLocalSandbox *self)
{
  g_mutex_init (&self->mutex);
  self->commands = g_ptr_array_new_with_free_func (local_command_unref);
  self->main_context = g_main_context_ref_thread_default ();
  self->id = g_strdup_printf ("local-%08x%08x", g_random_int (), g_random_int ());
  self->running = TRUE;
}

/* Inside Flatpak, bwrap is run on the host through "flatpak-spawn --host"
 * (needs --talk-name=org.freedesktop.Flatpak). Untested: the pids bwrap
 * reports are the host's, which the app cannot see from its own PID
 * namespace, so stopping relies on killing flatpak-spawn (and
 * --watch-bus / --die-with-parent) rather than on the namespace scan. */
ForgeLocalSandbox *
forge_local_sandbox_new (const char  *repo_dir,
                         const char  *home_dir,
                         guint        timeout_seconds,
                         GError     **error)
{
  g_autoptr(ForgeLocalSandbox) self = NULL;
  g_autofree char *bwrap = NULL;
  g_autofree char *repo_mount_point = NULL;
  gboolean in_flatpak;

  g_return_val_if_fail (repo_dir != NULL, NULL);
  g_return_val_if_fail (home_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  in_flatpak = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);

  if (in_flatpak)
    bwrap = g_strdup ("bwrap");
  else if (!(bwrap = g_find_program_in_path ("bwrap")))
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                           _("Bubblewrap is not installed: install the “bubblewrap” package to run previews on this computer."));
      return NULL;
    }

  if (!g_file_test (repo_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("The project folder “%s” is missing: clone the repository again."),
                   repo_dir);
      return NULL;
    }

  /* The mount point of the repository inside the persistent home. */
  repo_mount_point = g_build_filename (home_dir, "repo", NULL);
  if (g_mkdir_with_parents (repo_mount_point, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("Could not create the sandbox home folder “%s”: %s. Check the free space and permissions of your cache folder."),
                   home_dir, g_strerror (errsv));
      return NULL;
    }

  self = g_object_new (FORGE_TYPE_LOCAL_SANDBOX, NULL);
  self->repo_dir = g_canonicalize_filename (repo_dir, NULL);
  self->home_dir = g_canonicalize_filename (home_dir, NULL);
  self->bwrap = g_steal_pointer (&bwrap);
  self->in_flatpak = in_flatpak;

  g_mutex_lock (&self->mutex);
  arm_timeout_locked (self, timeout_seconds);
  g_mutex_unlock (&self->mutex);

  return g_steal_pointer (&self);
}
