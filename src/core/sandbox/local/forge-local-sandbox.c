/* forge-local-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/nsfs.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <json-glib/json-glib.h>

#include "forge-local-preview-urls.h"
#include "forge-local-sandbox-private.h"
#include "forge-sandbox-process-private.h"
#include "forge-util.h"

/* How long processes get to exit after SIGTERM before SIGKILL. */
#define GRACE_PERIOD_USEC (2 * G_TIME_SPAN_SECOND)
/* Longer lines (minified output, progress bars) are cut there: nobody
 * reads more of one in a log, and a hostile server could print endless
 * ones. The rest, up to the next newline, is dropped. */
#define MAX_LINE_LENGTH FORGE_LOG_LINE_MAX

#define INFO_FD    3
#define PASSWD_FD  4
#define GROUP_FD   5
#define SECCOMP_FD 6
#define BLOCK_FD   7
#define RESOLV_FD  8

/* slirp4netns's built-in DNS forwarder. */
#define OWN_NETWORK_RESOLV_CONF "nameserver 10.0.2.3\n"
#define NETWORK_READY_TIMEOUT_MS 5000
#define NETWORK_API_TIMEOUT_MS 2000

/* One bwrap container running one command. Shared (refcounted) between
 * the sandbox, the thread reading its output and its ForgeSandboxProcess. */
typedef struct
{
  GMutex       mutex;
  GCond        cond;
  GSubprocess *subprocess;   /* the outer bwrap, our child */
  GPid         init_pid;     /* host pid of the PID namespace's init */
  guint64      pid_ns;       /* inode of that namespace, 0 if unknown */
  int          pid_ns_fd;    /* keeps that inode from going to a new one */
  int          bwrap_pidfd;  /* readable once bwrap has exited, or -1 */
  int          status;
  guint        exited : 1;
  guint        terminating : 1;

  /* Its own network; unset when the host's is shared. Under mutex. */
  GSubprocess *slirp;
  int          slirp_exit_fd;  /* slirp4netns exits when this closes */
  char        *api_dir;        /* private folder of its API socket */
  GHashTable  *exposed;        /* port inside → "127.0.0.1:port" */
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
  guint         running : 1;       /* under mutex */
  guint         in_flatpak : 1;
  guint         own_network : 1;
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

/* Stops slirp4netns (closing its exit fd) and removes its API socket. */
static void
local_command_stop_network (LocalCommand *cmd)
{
  g_autofree char *api_dir = NULL;
  GSubprocess *slirp;

  g_mutex_lock (&cmd->mutex);
  if (cmd->slirp_exit_fd >= 0)
    {
      close (cmd->slirp_exit_fd);
      cmd->slirp_exit_fd = -1;
    }
  slirp = g_steal_pointer (&cmd->slirp);
  api_dir = g_steal_pointer (&cmd->api_dir);
  g_mutex_unlock (&cmd->mutex);

  /* At once: a sandbox reported dead must not answer on its ports while
   * its processes take their grace period. GLib reaps it. */
  if (slirp != NULL)
    g_subprocess_force_exit (slirp);
  g_clear_object (&slirp);

  if (api_dir != NULL)
    forge_remove_tree (api_dir, NULL);
}

static void
local_command_clear (gpointer data)
{
  LocalCommand *cmd = data;

  local_command_stop_network (cmd);
  g_clear_pointer (&cmd->exposed, g_hash_table_unref);
  g_clear_object (&cmd->subprocess);
  if (cmd->pid_ns_fd >= 0)
    close (cmd->pid_ns_fd);
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
static void
add_filter (GArray         *program,
            unsigned short  code,
            unsigned int    k,
            unsigned char   jt,
            unsigned char   jf)
{
  struct sock_filter insn = BPF_JUMP (code, k, jt, jf);

  g_array_append_val (program, insn);
}

#define FILTER_STMT(program, code, k) add_filter ((program), (code), (k), 0, 0)
#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
/* The low 32 bits of an argument: they come first on little-endian. */
#define ARG_LOW(n) (offsetof (struct seccomp_data, args[n]))

/* The seccomp filter of every command.
 *
 * io_uring fails with ENOSYS (libuv falls back to threads): it is a large
 * kernel surface, and its opcodes (IORING_OP_SOCKET …) would bypass any
 * rule below.
 *
 * With @shared_network the sandbox shares the host's network namespace,
 * and with it the abstract unix socket namespace where X11/XWayland and
 * sometimes a session bus listen. Seccomp cannot read socket addresses,
 * so no unix socket may be created at all, and socketpair() only makes
 * AF_UNIX stream pairs: Node's IPC channels (child_process.fork()) need
 * them, and a connected stream pair cannot address anyone else, while a
 * datagram one could sendto() any abstract name. In a network of its own
 * the abstract namespace is the sandbox's own, and unix sockets are fine.
 *
 * Other ABIs (x32, 32-bit) are refused outright, as their numbers would
 * slip past these checks. */
static GArray *
build_seccomp_filter (gboolean shared_network)
{
  GArray *program = g_array_new (FALSE, FALSE, sizeof (struct sock_filter));
  static const int io_uring_calls[] = {
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
  };

  FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0);
  FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (ENOSYS));
  FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
#ifdef __x86_64__
  add_filter (program, BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1);
  FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (ENOSYS));
#endif

  for (guint i = 0; i < G_N_ELEMENTS (io_uring_calls); i++)
    {
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, io_uring_calls[i], 0, 1);
      FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (ENOSYS));
    }

  if (shared_network)
    {
      /* socket(AF_UNIX, …) */
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4);
      FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, ARG_LOW (0));
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1);
      FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (EACCES));
      FILTER_STMT (program, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

      /* socketpair(AF_UNIX, SOCK_STREAM [| SOCK_NONBLOCK | SOCK_CLOEXEC], …) */
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, __NR_socketpair, 0, 7);
      FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, ARG_LOW (0));
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 4);
      FILTER_STMT (program, BPF_LD | BPF_W | BPF_ABS, ARG_LOW (1));
      FILTER_STMT (program, BPF_ALU | BPF_AND | BPF_K, ~(unsigned int) (SOCK_NONBLOCK | SOCK_CLOEXEC));
      add_filter (program, BPF_JMP | BPF_JEQ | BPF_K, SOCK_STREAM, 0, 1);
      FILTER_STMT (program, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      FILTER_STMT (program, BPF_RET | BPF_K, RET_ERRNO (EACCES));
    }

  FILTER_STMT (program, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

  return program;
}
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

#define LOOPBACK_RELAY "forge-loopback-relay"

#define NPM_CACHE_INSIDE    "/var/cache/npm"
#define SHARED_CACHE_INSIDE "/var/cache/npm-shared"

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
                  const char         *cwd,
                  gboolean            relay)
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

  /* Every fd bwrap reads must reach it through flatpak-spawn, the
   * seccomp filter's above all: without it bwrap would fail, not run the
   * command unfiltered, but the filter is not optional. */
  if (self->in_flatpak)
    {
      add_args (args, "flatpak-spawn", "--host", "--watch-bus",
                "--forward-fd=" G_STRINGIFY (INFO_FD),
                "--forward-fd=" G_STRINGIFY (PASSWD_FD),
                "--forward-fd=" G_STRINGIFY (GROUP_FD),
                "--forward-fd=" G_STRINGIFY (SECCOMP_FD),
                NULL);
      if (self->own_network)
        add_args (args,
                  "--forward-fd=" G_STRINGIFY (BLOCK_FD),
                  "--forward-fd=" G_STRINGIFY (RESOLV_FD),
                  NULL);
    }

  /* A user namespace of its own, in which no further one can be made
   * (unshare -Ur would give root over a fresh namespace set). */
  add_args (args, self->bwrap,
            "--unshare-user", "--disable-userns",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "forge-sandbox",
            "--die-with-parent", "--new-session",
            "--ro-bind", "/usr", "/usr",
            NULL);

  /* A network of its own, connected once slirp4netns is attached: the
   * command waits on BLOCK_FD until then. */
  if (self->own_network)
    add_args (args,
              "--unshare-net",
              "--block-fd", G_STRINGIFY (BLOCK_FD),
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
    {
      /* The host's resolver may well be on its loopback, out of reach. */
      if (self->own_network && g_str_equal (etc_files[i], "/etc/resolv.conf"))
        add_args (args, "--ro-bind-data", G_STRINGIFY (RESOLV_FD), etc_files[i], NULL);
      else
        add_args (args, "--ro-bind-try", etc_files[i], etc_files[i], NULL);
    }

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

  /* npm's cache is the project's own, but for its content-addressed
   * part, which its symlinks lead to the shared folder: see
   * forge_local_sandbox_set_package_cache(). Both mount points are on
   * bwrap's own root, never in a folder the sandbox could have filled
   * with symlinks, and both sources are folders only the host writes in. */
  if (self->npm_cache_dir != NULL)
    add_args (args,
              "--bind", self->npm_cache_dir, NPM_CACHE_INSIDE,
              "--bind", self->shared_cache_dir, SHARED_CACHE_INSIDE,
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

  if (self->npm_cache_dir != NULL)
    add_args (args, "--setenv", "npm_config_cache", NPM_CACHE_INSIDE, NULL);

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

  if (relay)
    add_args (args, "/opt/forge/bin/" LOOPBACK_RELAY, "--", NULL);

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

/* {{{ Its own network */

/* The user namespace that owns the command's network namespace: the one
 * slirp4netns must join to configure it. Asked of the network namespace
 * itself, as the command's own user namespace may be either that one or,
 * once --disable-userns has nested it, a child of it. */
static int
open_network_owner (GPid     child_pid,
                    GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/net", (int) child_pid);
  int netns_fd;
  int userns_fd;
  int errsv;

  netns_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (netns_fd < 0)
    {
      errsv = errno;
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not give the sandbox its own network: %s"), g_strerror (errsv));
      return -1;
    }

  userns_fd = ioctl (netns_fd, NS_GET_USERNS);
  errsv = errno;
  close (netns_fd);

  if (userns_fd < 0)
    {
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not give the sandbox its own network: %s"), g_strerror (errsv));
      return -1;
    }

  return userns_fd;
}

/* A private folder for one API socket, in the user's runtime folder.
 * Folders that crashed processes left are removed on the way, once: a
 * live slirp4netns answers on its socket, a stale one does not. */
static char *
make_api_dir (GError **error)
{
  static gsize cleaned;
  g_autofree char *parent = g_build_filename (g_get_user_runtime_dir (), "forge-preview", NULL);
  g_autofree char *template = NULL;
  char *dir;

  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: %s", parent, g_strerror (errsv));
      return NULL;
    }

  if (g_once_init_enter (&cleaned))
    {
      g_autoptr(GDir) entries = g_dir_open (parent, 0, NULL);
      const char *name;

      while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
        {
          g_autofree char *stale = NULL;
          g_autofree char *socket_path = NULL;
          struct sockaddr_un address = { .sun_family = AF_UNIX };
          int fd;

          if (!g_str_has_prefix (name, "net-"))
            continue;

          stale = g_build_filename (parent, name, NULL);
          socket_path = g_build_filename (stale, "api.sock", NULL);
          if (strlen (socket_path) < sizeof address.sun_path)
            {
              strcpy (address.sun_path, socket_path);
              fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
              if (fd >= 0 && connect (fd, (struct sockaddr *) &address, sizeof address) == 0)
                {
                  close (fd);
                  continue;
                }
              if (fd >= 0)
                close (fd);
            }

          forge_remove_tree (stale, NULL);
        }

      g_once_init_leave (&cleaned, 1);
    }

  template = g_build_filename (parent, "net-XXXXXX", NULL);
  dir = g_mkdtemp_full (template, 0700);
  if (dir == NULL)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: %s", template, g_strerror (errsv));
      return NULL;
    }

  g_steal_pointer (&template);
  return dir;
}

/* bwrap's child configures the loopback interface of its new network
 * namespace (adding 127.0.0.1, then bringing it up) after it has reported
 * its pid, and fails if the interface is up already: slirp4netns, which
 * brings it up too, must wait for that. The namespace's routing table,
 * readable from here, shows 127.0.0.1 once it is done. */
static gboolean
wait_for_loopback (GPid     child_pid,
                   GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/net/fib_trie", (int) child_pid);
  gint64 deadline = g_get_monotonic_time () + NETWORK_READY_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  gulong pause_us = 200;

  for (;;)
    {
      g_autofree char *table = NULL;

      /* Gone: bwrap failed (and said why on its stderr). */
      if (!g_file_get_contents (path, &table, NULL, NULL))
        break;
      if (strstr (table, "127.0.0.1") != NULL)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        break;

      g_usleep (pause_us);
      pause_us = MIN (pause_us * 2, 20 * 1000);
    }

  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                       _("Could not give the sandbox its own network: its loopback interface did not come up."));
  return FALSE;
}

/* Attaches slirp4netns to the network namespace of @child_pid: outbound
 * connections through user-mode NAT, none to the host's loopback
 * (--disable-host-loopback), and an API socket for forwarding ports. It
 * lives as long as the command (or this process): it exits when its exit
 * fd closes. */
static gboolean
start_network (LocalCommand  *cmd,
               const char    *slirp4netns,
               GPid           child_pid,
               GError       **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) slirp = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *api_dir = NULL;
  g_autofree char *api_socket = NULL;
  g_autofree char *pid_arg = g_strdup_printf ("%d", (int) child_pid);
  const char *environ_[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL };
  struct pollfd ready = { -1, POLLIN, 0 };
  int exit_fds[2];
  int ready_fds[2];
  int userns_fd;
  char byte = 0;
  int n;

  if ((userns_fd = open_network_owner (child_pid, error)) < 0)
    return FALSE;

  api_dir = make_api_dir (&local_error);
  if (api_dir == NULL)
    {
      close (userns_fd);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not give the sandbox its own network: %s"), local_error->message);
      return FALSE;
    }
  api_socket = g_build_filename (api_dir, "api.sock", NULL);

  if (!g_unix_open_pipe (exit_fds, FD_CLOEXEC, error))
    {
      close (userns_fd);
      forge_remove_tree (api_dir, NULL);
      return FALSE;
    }
  if (!g_unix_open_pipe (ready_fds, FD_CLOEXEC, error))
    {
      close (userns_fd);
      close (exit_fds[0]);
      close (exit_fds[1]);
      forge_remove_tree (api_dir, NULL);
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_environ (launcher, (char **) environ_);
  g_subprocess_launcher_take_fd (launcher, exit_fds[0], 3);
  g_subprocess_launcher_take_fd (launcher, ready_fds[1], 4);
  g_subprocess_launcher_take_fd (launcher, userns_fd, 5);

  slirp = g_subprocess_launcher_spawn (launcher, &local_error,
                                       slirp4netns,
                                       "--configure", "--mtu=65520",
                                       "--disable-host-loopback",
                                       /* It parses the sandbox's traffic. */
                                       "--enable-seccomp",
                                       "--exit-fd=3", "--ready-fd=4",
                                       "--userns-path=/proc/self/fd/5",
                                       "--api-socket", api_socket,
                                       pid_arg, "tap0",
                                       NULL);
  /* Closes our copies of its ends: EOF on "ready" if it dies. */
  g_clear_object (&launcher);

  if (slirp == NULL)
    {
      close (exit_fds[1]);
      close (ready_fds[0]);
      forge_remove_tree (api_dir, NULL);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not give the sandbox its own network: %s"), local_error->message);
      return FALSE;
    }

  g_mutex_lock (&cmd->mutex);
  cmd->slirp = g_object_ref (slirp);
  cmd->slirp_exit_fd = exit_fds[1];
  cmd->api_dir = g_steal_pointer (&api_dir);
  g_mutex_unlock (&cmd->mutex);

  ready.fd = ready_fds[0];
  do
    n = poll (&ready, 1, NETWORK_READY_TIMEOUT_MS);
  while (n < 0 && errno == EINTR);
  if (n == 1)
    {
      do
        n = read (ready_fds[0], &byte, 1);
      while (n < 0 && errno == EINTR);
    }
  close (ready_fds[0]);

  if (n != 1 || byte != '1')
    {
      local_command_stop_network (cmd);
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                           _("Could not give the sandbox its own network: slirp4netns failed. Check that user namespaces are enabled."));
      return FALSE;
    }

  return TRUE;
}

/* One request to slirp4netns's API; its answer is {"return": …} or
 * {"error": {"desc": …}}. */
static gboolean
network_api_call (const char  *api_socket,
                  const char  *request,
                  GError     **error)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  struct timeval timeout = { NETWORK_API_TIMEOUT_MS / 1000, (NETWORK_API_TIMEOUT_MS % 1000) * 1000 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  char reply[4096];
  gsize len = 0;
  JsonNode *root;
  int fd;

  if (strlen (api_socket) >= sizeof address.sun_path)
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                           _("The sandbox's network control socket path is too long"));
      return FALSE;
    }
  strcpy (address.sun_path, api_socket);

  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
      setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0 ||
      connect (fd, (struct sockaddr *) &address, sizeof address) != 0 ||
      write (fd, request, strlen (request)) != (gssize) strlen (request))
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("Could not reach the sandbox's network: %s"), g_strerror (errsv));
      return FALSE;
    }
  shutdown (fd, SHUT_WR);

  while (len < sizeof reply - 1)
    {
      gssize n = read (fd, reply + len, sizeof reply - 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
    }
  close (fd);
  reply[len] = '\0';

  if (!json_parser_load_from_data (parser, reply, len, NULL) ||
      !(root = json_parser_get_root (parser)) ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                           _("The sandbox's network gave no answer"));
      return FALSE;
    }

  if (!json_object_has_member (json_node_get_object (root), "return"))
    {
      JsonObject *object = json_node_get_object (root);
      JsonNode *err = json_object_get_member (object, "error");
      const char *desc = err != NULL && JSON_NODE_HOLDS_OBJECT (err)
        ? json_object_get_string_member_with_default (json_node_get_object (err), "desc", NULL)
        : NULL;

      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_FAILED,
                   _("The sandbox's network refused: %s"), desc != NULL ? desc : reply);
      return FALSE;
    }

  return TRUE;
}

/* }}} */

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
  g_autoptr(GPtrArray) args = NULL;
  g_autofree char *passwd = NULL;
  g_autofree char *group = NULL;
  g_autoptr(LocalCommand) cmd = NULL;
  const char *bwrap_env[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL, NULL, NULL };
  int info_fds[2];
  int block_fds[2] = { -1, -1 };
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
      !pass_data_fd (launcher, group, GROUP_FD, error))
    return NULL;

#ifdef NATIVE_AUDIT_ARCH
  {
    g_autoptr(GArray) filter = build_seccomp_filter (!self->own_network);

    if (!pass_bytes_fd (launcher, filter->data, filter->len * sizeof (struct sock_filter), SECCOMP_FD, error))
      return NULL;
  }
#endif

  if (self->own_network)
    {
      if (!pass_data_fd (launcher, OWN_NETWORK_RESOLV_CONF, RESOLV_FD, error) ||
          !g_unix_open_pipe (block_fds, FD_CLOEXEC, error))
        return NULL;
      g_subprocess_launcher_take_fd (launcher, block_fds[0], BLOCK_FD);
    }

  if (!g_unix_open_pipe (info_fds, FD_CLOEXEC, error))
    {
      if (block_fds[1] >= 0)
        close (block_fds[1]);
      return NULL;
    }
  g_subprocess_launcher_take_fd (launcher, info_fds[1], INFO_FD);

  relay_path = g_build_filename (get_helper_dir (), LOOPBACK_RELAY, NULL);
  args = build_bwrap_args (self, argv, env, cwd,
                           server && self->own_network &&
                           g_file_test (relay_path, G_FILE_TEST_IS_EXECUTABLE));
  subprocess = spawn_from_spawner_thread (launcher, (const char * const *) args->pdata, error);

  /* Closes our copy of the write end, so that read_child_pid() sees EOF
   * when bwrap fails before writing. */
  g_clear_object (&launcher);

  if (subprocess == NULL)
    {
      close (info_fds[0]);
      if (block_fds[1] >= 0)
        close (block_fds[1]);
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
  cmd->pid_ns_fd = -1;
  cmd->slirp_exit_fd = -1;
  cmd->exposed = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_mutex_init (&cmd->mutex);
  g_cond_init (&cmd->cond);
  cmd->subprocess = g_steal_pointer (&subprocess);
  cmd->init_pid = child_pid;
  cmd->pid_ns = get_pid_namespace (child_pid);
  /* Namespace inode numbers are reused as soon as they are free: without
   * this reference, a late kill of this command's tree (its bwrap gone)
   * could hit the next command's. */
  {
    g_autofree char *ns_path = g_strdup_printf ("/proc/%d/ns/pid", (int) child_pid);
    struct stat ns_stat;

    cmd->pid_ns_fd = open (ns_path, O_RDONLY | O_CLOEXEC);
    if (cmd->pid_ns_fd < 0 || fstat (cmd->pid_ns_fd, &ns_stat) != 0 || ns_stat.st_ino != cmd->pid_ns)
      cmd->pid_ns = 0;
  }
  cmd->bwrap_pidfd = open_pidfd (cmd->subprocess);

  /* bwrap is already gone: see pump_output(). */
  if (cmd->bwrap_pidfd == -2)
    {
      cmd->bwrap_pidfd = -1;
      signal_namespace (cmd->pid_ns, SIGKILL);
    }

  if (self->own_network)
    {
      gboolean connected = wait_for_loopback (child_pid, error) &&
                           start_network (cmd, self->slirp4netns, child_pid, error);

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
   * sides. */
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

#define HOST_PORT_ATTEMPTS 3

static char *
forge_local_sandbox_expose_port (ForgeSandbox         *sandbox,
                                 ForgeSandboxProcess  *process,
                                 guint                 port,
                                 GError              **error)
{
  ForgeLocalSandbox *self = FORGE_LOCAL_SANDBOX (sandbox);
  LocalCommand *cmd = g_object_get_data (G_OBJECT (process), "forge-local-command");
  g_autofree char *api_socket = NULL;
  g_autoptr(GError) local_error = NULL;
  char *authority = NULL;
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

  g_mutex_lock (&cmd->mutex);
  authority = g_strdup (g_hash_table_lookup (cmd->exposed, GUINT_TO_POINTER (port)));
  if (cmd->api_dir != NULL)
    api_socket = g_build_filename (cmd->api_dir, "api.sock", NULL);
  g_mutex_unlock (&cmd->mutex);

  if (authority != NULL)
    return authority;

  if (api_socket == NULL)
    {
      set_not_running_error (error);
      return NULL;
    }

  /* The same number first for a port we offered (see
   * get_listen_address()), never for one a server chose: a hostile one
   * would pick the host ports to take. A free port we pick may still be
   * taken before slirp4netns binds it. */
  g_mutex_lock (&self->mutex);
  offered = g_hash_table_contains (self->offered_ports, GUINT_TO_POINTER (port));
  g_mutex_unlock (&self->mutex);

  for (guint attempt = offered ? 0 : 1; attempt <= HOST_PORT_ATTEMPTS; attempt++)
    {
      g_autofree char *request = NULL;
      guint host_port;

      g_clear_error (&local_error);
      if (attempt == 0)
        host_port = port;
      else if ((host_port = forge_pick_free_port (&local_error)) == 0)
        continue;

      request = g_strdup_printf ("{\"execute\": \"add_hostfwd\", \"arguments\": "
                                 "{\"proto\": \"tcp\", \"host_addr\": \"127.0.0.1\", "
                                 "\"host_port\": %u, \"guest_port\": %u}}",
                                 host_port, port);
      if (network_api_call (api_socket, request, &local_error))
        {
          authority = g_strdup_printf ("127.0.0.1:%u", host_port);

          g_mutex_lock (&cmd->mutex);
          g_hash_table_insert (cmd->exposed, GUINT_TO_POINTER (port), g_strdup (authority));
          g_mutex_unlock (&cmd->mutex);

          return authority;
        }
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
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

static void
forge_local_sandbox_iface_init (ForgeSandboxInterface *iface)
{
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
  g_clear_pointer (&self->slirp4netns, g_free);
  g_clear_pointer (&self->network_problem, g_free);
  g_clear_pointer (&self->offered_ports, g_hash_table_unref);
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
      g_ptr_array_add (args, (gpointer) "flatpak-spawn");
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

/* The bwrap to run, when sandboxes can run here at all: one check for
 * forge_local_sandbox_new() and forge_local_sandbox_check_available(),
 * so both give the same reason. */
static gboolean
find_usable_bwrap (char     **bwrap_out,
                   gboolean  *in_flatpak_out,
                   GError   **error)
{
  g_autofree char *bwrap = NULL;
  gboolean in_flatpak = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);

  if (in_flatpak)
    bwrap = g_strdup ("bwrap");
  else if (!(bwrap = g_find_program_in_path ("bwrap")))
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                           _("Bubblewrap is not installed: install the “bubblewrap” package to run previews on this computer."));
      return FALSE;
    }

#ifndef NATIVE_AUDIT_ARCH
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                       _("Previews cannot run on this computer: the sandbox's system call filter supports only x86-64 and ARM64."));
  return FALSE;
#endif

  if (!check_bwrap (bwrap, in_flatpak, error))
    return FALSE;

  if (bwrap_out != NULL)
    *bwrap_out = g_steal_pointer (&bwrap);
  if (in_flatpak_out != NULL)
    *in_flatpak_out = in_flatpak;
  return TRUE;
}

gboolean
forge_local_sandbox_check_available (GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return find_usable_bwrap (NULL, NULL, error);
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
  int home_fd = -1;
  int repo_mount_fd = -1;
  g_autofree char *slirp4netns = NULL;
  gboolean in_flatpak;

  g_return_val_if_fail (repo_dir != NULL, NULL);
  g_return_val_if_fail (home_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!find_usable_bwrap (&bwrap, &in_flatpak, error))
    return NULL;

  /* Inside Flatpak the helper would have to run on the host as well,
   * joining namespaces the app cannot see. */
  if (!in_flatpak)
    slirp4netns = g_find_program_in_path ("slirp4netns");

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
  self->in_flatpak = in_flatpak;

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
      self->network_problem = g_strdup (in_flatpak
                                        ? _("Network not isolated: inside Flatpak, previews share this computer’s network.")
                                        : _("Network not isolated: install slirp4netns to give each preview a network of its own."));
    }

  g_mutex_lock (&self->mutex);
  arm_timeout_locked (self, timeout_seconds);
  g_mutex_unlock (&self->mutex);

  return g_steal_pointer (&self);
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
  if (shared_dir == NULL)
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
      g_autofree char *target = g_build_filename (SHARED_CACHE_INSIDE, shared_parts[i], NULL);

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

char **
_forge_local_sandbox_dup_command_line (ForgeLocalSandbox  *self,
                                       gboolean            in_flatpak,
                                       const char * const *argv)
{
  g_autoptr(GPtrArray) args = NULL;
  gboolean was_in_flatpak = self->in_flatpak;

  g_return_val_if_fail (FORGE_IS_LOCAL_SANDBOX (self), NULL);

  self->in_flatpak = in_flatpak;
  args = build_bwrap_args (self, argv, NULL, NULL, FALSE);
  self->in_flatpak = was_in_flatpak;

  return g_strdupv ((char **) args->pdata);
}
