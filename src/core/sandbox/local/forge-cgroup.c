/* forge-cgroup.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "forge-cgroup-private.h"

#define CGROUP_FILE_MAX  (64 * 1024)
#define KILL_ROUNDS      50
#define SYSTEMD_CALL_TIMEOUT_MS 5000

#define SYSTEMD_NAME      "org.freedesktop.systemd1"
#define SYSTEMD_PATH      "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER   "org.freedesktop.systemd1.Manager"
#define SYSTEMD_SLICE     "org.freedesktop.systemd1.Slice"

struct _ForgeCgroup
{
  GObject   parent_instance;

  gboolean  v2;
  /* The group's folder in each hierarchy; the same one twice on v2.
   * Either may be NULL on v1, when that hierarchy is not writable. */
  char     *memory_dir;
  char     *pids_dir;
  /* Where a process writes "0" to join: made beforehand, for
   * forge_cgroup_enter_from_child(). */
  char    **procs_files;

  /* Under systemd: a transient slice of the user's service manager, which
   * commands join through `systemd-run --user --scope`. Its folder
   * (memory_dir, pids_dir) is asked of systemd once it has one. */
  GDBusConnection *bus;
  char     *slice;
  char     *cgroup_root;
  char    **wrapper_argv;
  GMutex    mutex;
};

G_DEFINE_FINAL_TYPE (ForgeCgroup, forge_cgroup, G_TYPE_OBJECT)

/* {{{ Files */

static char *
read_small_file (const char *dir,
                 const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char buf[CGROUP_FILE_MAX];
  gssize n;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return NULL;
  do
    n = read (fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n < 0)
    return NULL;

  return g_strndup (buf, n);
}

static gboolean
write_small_file (const char  *dir,
                  const char  *name,
                  const char  *value,
                  GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  gsize len = strlen (value);
  gssize n;
  int fd;

  fd = open (path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  do
    n = write (fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n != (gssize) len)
    {
      int errsv = n < 0 ? errno : EIO;

      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: %s", path, g_strerror (errsv));
      return FALSE;
    }

  return close (fd) == 0 || errno == EINTR;
}

static void ensure_slice_dirs (ForgeCgroup *self);

static const char *
get_memory_dir (ForgeCgroup *self)
{
  ensure_slice_dirs (self);
  return self->memory_dir;
}

static const char *
get_pids_dir (ForgeCgroup *self)
{
  ensure_slice_dirs (self);
  return self->pids_dir;
}

static guint64
read_number (const char *dir,
             const char *name)
{
  g_autofree char *text = dir != NULL ? read_small_file (dir, name) : NULL;

  return text != NULL ? g_ascii_strtoull (text, NULL, 10) : 0;
}

/* The value of "key N" in a flat keyed file (memory.events and friends). */
static guint64
read_keyed (const char *dir,
            const char *name,
            const char *key)
{
  g_autofree char *text = dir != NULL ? read_small_file (dir, name) : NULL;
  g_auto(GStrv) lines = NULL;
  gsize key_len = strlen (key);

  if (text == NULL)
    return 0;

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strncmp (lines[i], key, key_len) == 0 && lines[i][key_len] == ' ')
      return g_ascii_strtoull (lines[i] + key_len + 1, NULL, 10);

  return 0;
}

static gboolean
has_word (const char *text,
          const char *word)
{
  g_auto(GStrv) words = g_strsplit_set (text != NULL ? text : "", " \n,", -1);

  return g_strv_contains ((const char * const *) words, word);
}

/* }}} */

/* {{{ Where groups may be made */

/* systemd owns the tree when it runs the system: a group made behind its
 * back breaks its single-writer rule. */
static gboolean
systemd_manages_cgroups (void)
{
  return g_file_test ("/run/systemd/system", G_FILE_TEST_IS_DIR);
}

/* The mount point of the cgroup v1 hierarchy of @controller, or of the
 * unified (v2) one for NULL. */
static char *
find_mount (const char *controller)
{
  g_autofree char *mounts = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/mounts", &mounts, NULL, NULL))
    return NULL;

  lines = g_strsplit (mounts, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);

      if (g_strv_length (fields) < 4)
        continue;
      if (controller == NULL && g_str_equal (fields[2], "cgroup2"))
        return g_strdup (fields[1]);
      if (controller != NULL && g_str_equal (fields[2], "cgroup") && has_word (fields[3], controller))
        return g_strdup (fields[1]);
    }

  return NULL;
}

/* This process's group in the hierarchy of @controller (NULL: v2). */
static char *
find_own_path (const char *controller)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/cgroup", &contents, NULL, NULL))
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], ":", 3);

      if (g_strv_length (fields) < 3)
        continue;
      if (controller == NULL && g_str_equal (fields[0], "0") && fields[1][0] == '\0')
        return g_strdup (fields[2]);
      if (controller != NULL && has_word (fields[1], controller))
        return g_strdup (fields[2]);
    }

  return NULL;
}

static char *
make_group (const char  *parent,
            const char  *name,
            GError     **error)
{
  g_autofree char *dir = g_build_filename (parent, name, NULL);

  if (g_mkdir (dir, 0755) != 0 && errno != EEXIST)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("cannot make a control group in %s (%s)"), parent, g_strerror (errsv));
      return NULL;
    }

  return g_steal_pointer (&dir);
}

/* A delegated v2 subtree: this process's group is a leaf whose parent
 * hands out the memory and pids controllers (or is the root of a
 * container's own tree). */
static gboolean
init_v2 (ForgeCgroup  *self,
         const char   *name,
         GError      **error)
{
  g_autofree char *mount = find_mount (NULL);
  g_autofree char *own = find_own_path (NULL);
  g_autofree char *controllers = NULL;
  g_autofree char *subtree = NULL;
  g_autofree char *parent = NULL;

  if (mount == NULL || own == NULL ||
      !has_word ((controllers = read_small_file (mount, "cgroup.controllers")), "memory"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "no cgroup v2 memory controller");
      return FALSE;
    }

  if (g_str_equal (own, "/"))
    parent = g_strdup (mount);
  else
    {
      g_autofree char *own_dir = g_build_filename (mount, own, NULL);
      parent = g_path_get_dirname (own_dir);
    }

  subtree = read_small_file (parent, "cgroup.subtree_control");
  if (!has_word (subtree, "memory") || !has_word (subtree, "pids"))
    {
      g_autoptr(GError) local_error = NULL;

      if (!write_small_file (parent, "cgroup.subtree_control", "+memory +pids", &local_error))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("no delegated control group (%s)"), local_error->message);
          return FALSE;
        }
    }

  self->memory_dir = make_group (parent, name, error);
  if (self->memory_dir == NULL)
    return FALSE;
  self->pids_dir = g_strdup (self->memory_dir);
  self->v2 = TRUE;
  return TRUE;
}

static char *
make_v1_group (const char  *controller,
               const char  *name,
               GError     **error)
{
  g_autofree char *mount = find_mount (controller);
  g_autofree char *own = find_own_path (controller);
  g_autofree char *parent = NULL;

  if (mount == NULL || own == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "no cgroup v1 %s hierarchy", controller);
      return NULL;
    }

  parent = g_build_filename (mount, own, NULL);
  return make_group (parent, name, error);
}

static gboolean
init_v1 (ForgeCgroup  *self,
         const char   *name,
         GError      **error)
{
  g_autoptr(GError) memory_error = NULL;

  self->memory_dir = make_v1_group ("memory", name, &memory_error);
  self->pids_dir = make_v1_group ("pids", name, error);

  if (self->memory_dir == NULL && self->pids_dir == NULL)
    return FALSE;

  g_clear_error (error);
  return TRUE;
}

/* }}} */

static void
remove_groups (ForgeCgroup *self)
{
  const char *dirs[] = { self->memory_dir, self->v2 ? NULL : self->pids_dir };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      if (dirs[i] == NULL)
        continue;

      /* A killed process leaves its group a moment later. */
      for (guint round = 0; round < KILL_ROUNDS; round++)
        {
          if (g_rmdir (dirs[i]) == 0 || errno == ENOENT)
            break;
          if (errno != EBUSY)
            {
              g_debug ("Could not remove the control group %s: %s", dirs[i], g_strerror (errno));
              break;
            }
          forge_cgroup_kill (self);
          g_usleep (10 * 1000);
        }
    }
}

/* {{{ systemd */

static GVariant *
call_systemd (ForgeCgroup         *self,
              const char          *object_path,
              const char          *interface,
              const char          *method,
              GVariant            *parameters,
              const GVariantType  *reply_type,
              GError             **error)
{
  return g_dbus_connection_call_sync (self->bus, SYSTEMD_NAME, object_path, interface, method,
                                      parameters, reply_type, G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                      SYSTEMD_CALL_TIMEOUT_MS, NULL, error);
}

/* The slice's folder, once systemd has made it (when a first command
 * joined it). */
static void
ensure_slice_dirs (ForgeCgroup *self)
{
  g_autoptr(GVariant) unit = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *unit_path;
  const char *control_group;

  if (self->slice == NULL)
    return;

  g_mutex_lock (&self->mutex);
  if (self->memory_dir != NULL)
    {
      g_mutex_unlock (&self->mutex);
      return;
    }

  unit = call_systemd (self, SYSTEMD_PATH, SYSTEMD_MANAGER, "GetUnit",
                       g_variant_new ("(s)", self->slice), G_VARIANT_TYPE ("(o)"), NULL);
  if (unit != NULL)
    {
      g_variant_get (unit, "(&o)", &unit_path);
      reply = call_systemd (self, unit_path, "org.freedesktop.DBus.Properties", "Get",
                            g_variant_new ("(ss)", SYSTEMD_SLICE, "ControlGroup"),
                            G_VARIANT_TYPE ("(v)"), NULL);
    }
  if (reply != NULL)
    {
      g_variant_get (reply, "(v)", &value);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
          (control_group = g_variant_get_string (value, NULL))[0] == '/' &&
          strstr (control_group, "..") == NULL)
        {
          self->memory_dir = g_build_filename (self->cgroup_root, control_group, NULL);
          self->pids_dir = g_strdup (self->memory_dir);
        }
    }
  g_mutex_unlock (&self->mutex);
}

static char *
slice_name_for (const char *name)
{
  g_autoptr(GString) slice = g_string_new ("forgepreview-");

  /* A dash in a slice's name is a level of the tree. */
  for (const char *p = name; *p != '\0'; p++)
    g_string_append_c (slice, g_ascii_isalnum (*p) ? *p : '_');
  g_string_append (slice, ".slice");

  return g_string_free (g_steal_pointer (&slice), FALSE);
}

ForgeCgroup *
_forge_cgroup_new_systemd (const char       *name,
                           guint64           memory_bytes,
                           guint             max_tasks,
                           GDBusConnection  *bus,
                           const char       *systemd_run,
                           const char       *cgroup_root,
                           GError          **error)
{
  g_autoptr(ForgeCgroup) self = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *slice_option = NULL;
  g_autofree char *description = NULL;
  GVariantBuilder properties;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (bus), NULL);
  g_return_val_if_fail (systemd_run != NULL, NULL);

  self = g_object_new (FORGE_TYPE_CGROUP, NULL);
  self->bus = g_object_ref (bus);
  self->slice = slice_name_for (name);
  self->cgroup_root = g_strdup (cgroup_root);
  self->v2 = TRUE;
  self->procs_files = g_new0 (char *, 1);

  description = g_strdup_printf ("Forge Preview sandbox %s", name);
  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a(sv)"));
  g_variant_builder_add (&properties, "(sv)", "Description", g_variant_new_string (description));
  if (memory_bytes > 0)
    {
      g_variant_builder_add (&properties, "(sv)", "MemoryMax", g_variant_new_uint64 (memory_bytes));
      /* Swap would let a hog go on past the limit, slowly. */
      g_variant_builder_add (&properties, "(sv)", "MemorySwapMax", g_variant_new_uint64 (0));
    }
  if (max_tasks > 0)
    g_variant_builder_add (&properties, "(sv)", "TasksMax", g_variant_new_uint64 (max_tasks));

  reply = call_systemd (self, SYSTEMD_PATH, SYSTEMD_MANAGER, "StartTransientUnit",
                        g_variant_new ("(ssa(sv)a(sa(sv)))", self->slice, "fail", &properties, NULL),
                        G_VARIANT_TYPE ("(o)"), &local_error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (local_error);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("your service manager made no slice for it (%s)"), local_error->message);
      /* Nothing to stop in finalize. */
      g_clear_pointer (&self->slice, g_free);
      return NULL;
    }

  slice_option = g_strconcat ("--slice=", self->slice, NULL);
  {
    const char *wrapper[] = { systemd_run, "--user", "--scope", "--quiet", "--collect",
                              slice_option, "--", NULL };

    self->wrapper_argv = g_strdupv ((char **) wrapper);
  }

  return g_steal_pointer (&self);
}

/* The user's own service manager, on the session bus, when systemd runs
 * this computer on cgroup v2 (where MemoryMax means what it says). */
static ForgeCgroup *
new_systemd (const char  *name,
             guint64      memory_bytes,
             guint        max_tasks,
             GError     **error)
{
  g_autofree char *systemd_run = g_find_program_in_path ("systemd-run");
  g_autofree char *mount = find_mount (NULL);
  g_autofree char *controllers = mount != NULL ? read_small_file (mount, "cgroup.controllers") : NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) bus_error = NULL;

  if (!has_word (controllers, "memory") || !has_word (controllers, "pids"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("systemd runs this computer on cgroup v1"));
      return NULL;
    }
  if (systemd_run == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("systemd-run is not installed"));
      return NULL;
    }
  if ((bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &bus_error)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("no session bus to reach your service manager (%s)"), bus_error->message);
      return NULL;
    }

  return _forge_cgroup_new_systemd (name, memory_bytes, max_tasks, bus, systemd_run, mount, error);
}

const char * const *
forge_cgroup_get_wrapper_argv (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), NULL);

  return (const char * const *) self->wrapper_argv;
}

const char *
_forge_cgroup_get_slice (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), NULL);

  return self->slice;
}

/* }}} */

static void
forge_cgroup_finalize (GObject *object)
{
  ForgeCgroup *self = (ForgeCgroup *)object;

  forge_cgroup_kill (self);
  if (self->slice != NULL)
    {
      /* systemd removes the folder with the slice. */
      g_autoptr(GVariant) reply = call_systemd (self, SYSTEMD_PATH, SYSTEMD_MANAGER, "StopUnit",
                                                g_variant_new ("(ss)", self->slice, "replace"),
                                                G_VARIANT_TYPE ("(o)"), NULL);
    }
  else
    remove_groups (self);

  g_clear_object (&self->bus);
  g_clear_pointer (&self->slice, g_free);
  g_clear_pointer (&self->cgroup_root, g_free);
  g_clear_pointer (&self->wrapper_argv, g_strfreev);
  g_mutex_clear (&self->mutex);
  g_clear_pointer (&self->memory_dir, g_free);
  g_clear_pointer (&self->pids_dir, g_free);
  g_clear_pointer (&self->procs_files, g_strfreev);

  G_OBJECT_CLASS (forge_cgroup_parent_class)->finalize (object);
}

static void
forge_cgroup_class_init (ForgeCgroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_cgroup_finalize;
}

static void
forge_cgroup_init (ForgeCgroup *self)
{
  g_mutex_init (&self->mutex);
}

ForgeCgroup *
forge_cgroup_new (const char  *name,
                  guint64      memory_bytes,
                  guint        max_tasks,
                  GError     **error)
{
  g_autoptr(ForgeCgroup) self = NULL;
  g_autoptr(GError) v2_error = NULL;
  g_autoptr(GStrvBuilder) procs = g_strv_builder_new ();
  g_autofree char *memory = NULL;
  g_autofree char *tasks = NULL;

  g_return_val_if_fail (name != NULL && strchr (name, '/') == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (systemd_manages_cgroups ())
    return new_systemd (name, memory_bytes, max_tasks, error);

  self = g_object_new (FORGE_TYPE_CGROUP, NULL);

  if (!init_v2 (self, name, &v2_error) && !init_v1 (self, name, error))
    return NULL;

  memory = g_strdup_printf ("%" G_GUINT64_FORMAT, memory_bytes);
  tasks = g_strdup_printf ("%u", max_tasks);

  if (self->memory_dir != NULL && memory_bytes > 0)
    {
      if (!write_small_file (self->memory_dir, self->v2 ? "memory.max" : "memory.limit_in_bytes", memory, error))
        return NULL;
      /* Swap would let a hog go on past the limit, slowly. Not every
       * kernel accounts it; the limit above holds either way. */
      write_small_file (self->memory_dir, self->v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes",
                        self->v2 ? "0" : memory, NULL);
    }

  if (self->pids_dir != NULL && max_tasks > 0 &&
      !write_small_file (self->pids_dir, "pids.max", tasks, error))
    return NULL;

  if (self->memory_dir != NULL)
    {
      g_autofree char *path = g_build_filename (self->memory_dir, "cgroup.procs", NULL);
      g_strv_builder_add (procs, path);
    }
  if (self->pids_dir != NULL && !self->v2)
    {
      g_autofree char *path = g_build_filename (self->pids_dir, "cgroup.procs", NULL);
      g_strv_builder_add (procs, path);
    }
  self->procs_files = g_strv_builder_end (procs);

  return g_steal_pointer (&self);
}

const char *
forge_cgroup_get_kind (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), NULL);

  if (self->slice != NULL)
    return "systemd slice";
  return self->v2 ? "cgroup v2" : "cgroup v1";
}

gboolean
forge_cgroup_limits_memory (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), FALSE);

  return self->slice != NULL || self->memory_dir != NULL;
}

gboolean
forge_cgroup_limits_tasks (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), FALSE);

  return self->slice != NULL || self->pids_dir != NULL;
}

gboolean
forge_cgroup_enter_from_child (ForgeCgroup *self)
{
  for (guint i = 0; self->procs_files[i] != NULL; i++)
    {
      int fd = open (self->procs_files[i], O_WRONLY | O_CLOEXEC);
      gboolean ok;

      if (fd < 0)
        return FALSE;
      ok = write (fd, "0", 1) == 1;
      close (fd);
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

guint64
forge_cgroup_get_oom_kills (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), 0);

  return read_keyed (get_memory_dir (self), self->v2 ? "memory.events" : "memory.oom_control", "oom_kill");
}

guint64
forge_cgroup_get_refused_tasks (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), 0);

  return read_keyed (get_pids_dir (self), "pids.events", "max");
}

guint64
forge_cgroup_get_tasks_peak (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), 0);

  return read_number (get_pids_dir (self), "pids.peak");
}

guint
forge_cgroup_count_tasks (ForgeCgroup *self)
{
  g_return_val_if_fail (FORGE_IS_CGROUP (self), 0);

  return (guint) read_number (get_pids_dir (self), "pids.current");
}

static gboolean
kill_listed (const char *dir)
{
  g_autofree char *pids = read_small_file (dir, "cgroup.procs");
  g_auto(GStrv) lines = NULL;
  gboolean any = FALSE;

  if (pids == NULL)
    return FALSE;

  lines = g_strsplit (pids, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gint64 pid = g_ascii_strtoll (lines[i], NULL, 10);

      if (pid > 0 && kill ((pid_t) pid, SIGKILL) == 0)
        any = TRUE;
    }

  return any;
}

void
forge_cgroup_kill (ForgeCgroup *self)
{
  const char *dir;

  g_return_if_fail (FORGE_IS_CGROUP (self));

  dir = get_memory_dir (self) != NULL ? self->memory_dir : self->pids_dir;
  if (dir == NULL)
    {
      /* A slice systemd has made no folder for yet holds nobody; but ask
       * it all the same, it knows. */
      if (self->slice != NULL)
        {
          g_autoptr(GVariant) reply = call_systemd (self, SYSTEMD_PATH, SYSTEMD_MANAGER, "KillUnit",
                                                    g_variant_new ("(ssi)", self->slice, "all", SIGKILL),
                                                    NULL, NULL);
        }
      return;
    }

  /* One write, and nothing can fork its way out. */
  if (self->v2 && write_small_file (dir, "cgroup.kill", "1", NULL))
    return;

  /* A fork bomb forks while it is being killed: again until none is
   * left, but bounded. The pids limit keeps each round short. */
  for (guint round = 0; round < KILL_ROUNDS && kill_listed (dir); round++)
    ;
  if (!self->v2 && self->pids_dir != NULL && self->pids_dir != dir)
    for (guint round = 0; round < KILL_ROUNDS && kill_listed (self->pids_dir); round++)
      ;
}
