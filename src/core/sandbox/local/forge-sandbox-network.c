/* forge-sandbox-network.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "forge-sandbox.h"
#include "forge-process-tree.h"
#include "forge-sandbox-network.h"
#include "forge-util.h"

#define NETWORK_READY_TIMEOUT_MS 5000
#define NETWORK_API_TIMEOUT_MS 2000
/* SIGKILLed, it is gone within milliseconds. */
#define SLIRP_EXIT_WAIT_MS 500
/* Host ports tried in turn when a free one is taken before slirp4netns
 * binds it. */
#define HOST_PORT_ATTEMPTS 3

struct _ForgeSandboxNetwork
{
  GObject      parent_instance;

  GMutex       mutex;
  GSubprocess *slirp;      /* under mutex, NULL once stopped */
  int          exit_fd;    /* slirp4netns exits when this closes */
  char        *api_dir;    /* private folder of its API socket */
  GHashTable  *exposed;    /* port inside → "127.0.0.1:port" */
};

G_DEFINE_FINAL_TYPE (ForgeSandboxNetwork, forge_sandbox_network, G_TYPE_OBJECT)

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
make_api_dir (const char  *parent,
              GError     **error)
{
  static gsize cleaned;
  g_autofree char *template = NULL;
  char *dir;

  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: %s", parent, g_strerror (errsv));
      return NULL;
    }

  /* Once per process: a process uses one folder (this computer's, or
   * in Flatpak's host mode the one shared with the host). */
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

/* Attaches slirp4netns to the network namespace of @child_pid: outbound
 * connections through user-mode NAT, none to the host's loopback
 * (--disable-host-loopback), and an API socket for forwarding ports. It
 * lives as long as @self (or this process): it exits when its exit fd
 * closes. */
/* @host_prefix: NULL to run slirp4netns here, joining the user namespace
 * @userns_fd owns; else the command that runs it on the host (Flatpak's
 * flatpak-spawn --host), with @spawner_env, and @child_pid a host pid
 * whose own user namespace owns its network namespace (@userns_fd -1).
 * Its API socket goes in a new folder in @api_parent. */
static gboolean
start_network (ForgeSandboxNetwork  *self,
               const char * const   *host_prefix,
               const char * const   *spawner_env,
               const char           *slirp4netns,
               GPid                  child_pid,
               int                   userns_fd,
               const char           *api_parent,
               GError              **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) slirp = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *api_dir = NULL;
  g_autofree char *api_socket = NULL;
  g_autofree char *pid_arg = g_strdup_printf ("%d", (int) child_pid);
  const char *environ_[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL };
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  struct pollfd ready = { -1, POLLIN, 0 };
  int exit_fds[2];
  int ready_fds[2];
  char byte = 0;
  int n;

  api_dir = make_api_dir (api_parent, &local_error);
  if (api_dir == NULL)
    {
      if (userns_fd >= 0)
        close (userns_fd);
      g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                   _("Could not give the sandbox its own network: %s"), local_error->message);
      return FALSE;
    }
  api_socket = g_build_filename (api_dir, "api.sock", NULL);

  if (!g_unix_open_pipe (exit_fds, FD_CLOEXEC, error))
    {
      if (userns_fd >= 0)
        close (userns_fd);
      forge_remove_tree (api_dir, NULL);
      return FALSE;
    }
  if (!g_unix_open_pipe (ready_fds, FD_CLOEXEC, error))
    {
      if (userns_fd >= 0)
        close (userns_fd);
      close (exit_fds[0]);
      close (exit_fds[1]);
      forge_remove_tree (api_dir, NULL);
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_environ (launcher, (char **) (host_prefix != NULL ? spawner_env : environ_));
  g_subprocess_launcher_take_fd (launcher, exit_fds[0], 3);
  g_subprocess_launcher_take_fd (launcher, ready_fds[1], 4);

  /* On the host the fds reach it through flatpak-spawn, at the same
   * numbers; the socket's folder is one both sides see at one path. */
  if (host_prefix != NULL)
    g_strv_builder_addv (argv, (const char **) host_prefix);
  if (host_prefix != NULL)
    g_strv_builder_add_many (argv, "--forward-fd=3", "--forward-fd=4", NULL);
  g_strv_builder_add_many (argv, slirp4netns,
                           "--configure", "--mtu=65520",
                           "--disable-host-loopback",
                           /* It parses the sandbox's traffic. */
                           "--enable-seccomp",
                           "--exit-fd=3", "--ready-fd=4",
                           NULL);
  if (userns_fd >= 0)
    {
      g_subprocess_launcher_take_fd (launcher, userns_fd, 5);
      g_strv_builder_add (argv, "--userns-path=/proc/self/fd/5");
    }
  g_strv_builder_add_many (argv, "--api-socket", api_socket, pid_arg, "tap0", NULL);
  args = g_strv_builder_end (argv);

  slirp = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &local_error);
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

  g_mutex_lock (&self->mutex);
  self->slirp = g_object_ref (slirp);
  self->exit_fd = exit_fds[1];
  self->api_dir = g_steal_pointer (&api_dir);
  g_mutex_unlock (&self->mutex);

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
      forge_sandbox_network_stop (self);
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_SPAWN_FAILED,
                           _("Could not give the sandbox its own network: slirp4netns failed. Check that user namespaces are enabled."));
      return FALSE;
    }

  return TRUE;
}

static void
forge_sandbox_network_finalize (GObject *object)
{
  ForgeSandboxNetwork *self = (ForgeSandboxNetwork *)object;

  forge_sandbox_network_stop (self);
  g_clear_pointer (&self->exposed, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (forge_sandbox_network_parent_class)->finalize (object);
}

static void
forge_sandbox_network_class_init (ForgeSandboxNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_sandbox_network_finalize;
}

static void
forge_sandbox_network_init (ForgeSandboxNetwork *self)
{
  g_mutex_init (&self->mutex);
  self->exit_fd = -1;
  self->exposed = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

ForgeSandboxNetwork *
forge_sandbox_network_attach (const char  *slirp4netns,
                              GPid         child_pid,
                              GError     **error)
{
  g_autoptr(ForgeSandboxNetwork) self = NULL;
  g_autofree char *api_parent = NULL;
  int userns_fd;

  g_return_val_if_fail (slirp4netns != NULL, NULL);
  g_return_val_if_fail (child_pid > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (FORGE_TYPE_SANDBOX_NETWORK, NULL);
  if (!wait_for_loopback (child_pid, error) ||
      (userns_fd = open_network_owner (child_pid, error)) < 0)
    return NULL;

  api_parent = g_build_filename (g_get_user_runtime_dir (), "forge-preview", NULL);
  if (!start_network (self, NULL, NULL, slirp4netns, child_pid, userns_fd, api_parent, error))
    return NULL;

  return g_steal_pointer (&self);
}

ForgeSandboxNetwork *
forge_sandbox_network_attach_on_host (const char * const  *host_prefix,
                                      const char * const  *spawner_env,
                                      const char          *slirp4netns,
                                      GPid                 host_pid,
                                      const char          *api_parent,
                                      GError             **error)
{
  g_autoptr(ForgeSandboxNetwork) self = NULL;

  g_return_val_if_fail (host_prefix != NULL && host_prefix[0] != NULL, NULL);
  g_return_val_if_fail (slirp4netns != NULL, NULL);
  g_return_val_if_fail (host_pid > 0, NULL);
  g_return_val_if_fail (api_parent != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (FORGE_TYPE_SANDBOX_NETWORK, NULL);
  if (!start_network (self, host_prefix, spawner_env, slirp4netns, host_pid, -1, api_parent, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
forge_sandbox_network_stop (ForgeSandboxNetwork *self)
{
  g_autofree char *api_dir = NULL;
  GSubprocess *slirp;

  g_return_if_fail (FORGE_IS_SANDBOX_NETWORK (self));

  g_mutex_lock (&self->mutex);
  if (self->exit_fd >= 0)
    {
      close (self->exit_fd);
      self->exit_fd = -1;
    }
  slirp = g_steal_pointer (&self->slirp);
  api_dir = g_steal_pointer (&self->api_dir);
  g_mutex_unlock (&self->mutex);

  /* At once: a sandbox reported dead must not answer on its ports while
   * its processes take their grace period. GLib reaps it; its ports are
   * free once it is gone, which takes a moment: waited for, briefly, so
   * that a stopped preview's port can be taken again at once. */
  if (slirp != NULL)
    {
      int pidfd = forge_process_open_pidfd (slirp);

      g_subprocess_force_exit (slirp);
      if (pidfd >= 0)
        {
          struct pollfd exited = { pidfd, POLLIN, 0 };

          while (poll (&exited, 1, SLIRP_EXIT_WAIT_MS) < 0 && errno == EINTR)
            ;
          close (pidfd);
        }
    }
  g_clear_object (&slirp);

  if (api_dir != NULL)
    forge_remove_tree (api_dir, NULL);
}

char *
forge_sandbox_network_expose_port (ForgeSandboxNetwork  *self,
                                   guint                 port,
                                   gboolean              same_number_first,
                                   GError              **error)
{
  g_autofree char *api_socket = NULL;
  g_autoptr(GError) local_error = NULL;
  char *authority = NULL;

  g_return_val_if_fail (FORGE_IS_SANDBOX_NETWORK (self), NULL);
  g_return_val_if_fail (port > 0 && port <= G_MAXUINT16, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->mutex);
  authority = g_strdup (g_hash_table_lookup (self->exposed, GUINT_TO_POINTER (port)));
  if (self->api_dir != NULL)
    api_socket = g_build_filename (self->api_dir, "api.sock", NULL);
  g_mutex_unlock (&self->mutex);

  if (authority != NULL)
    return authority;

  if (api_socket == NULL)
    {
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
                           _("The sandbox has stopped: start the preview again."));
      return NULL;
    }

  /* A free port we pick may still be taken before slirp4netns binds it. */
  for (guint attempt = same_number_first ? 0 : 1; attempt <= HOST_PORT_ATTEMPTS; attempt++)
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

          g_mutex_lock (&self->mutex);
          g_hash_table_insert (self->exposed, GUINT_TO_POINTER (port), g_strdup (authority));
          g_mutex_unlock (&self->mutex);

          return authority;
        }
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}
