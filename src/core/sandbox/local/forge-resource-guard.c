/* forge-resource-guard.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "forge-cgroup.h"
#include "forge-resource-guard-private.h"

/* A hostile tree cannot make one disk-use walk endless. */
#define MAX_WALK_ENTRIES  (4 * 1000 * 1000)
#define MAX_WALK_DEPTH    512

#define POLL_WITH_CGROUP_MS    1000
/* Without a memory cgroup, a hog is only caught between two looks. */
#define POLL_WITHOUT_CGROUP_MS  100
#define MIN_DISK_INTERVAL_USEC  (2 * G_USEC_PER_SEC)
#define MAX_DISK_INTERVAL_USEC  (30 * G_USEC_PER_SEC)

typedef enum
{
  REPORT_MEMORY = 1 << 0,
  REPORT_DISK   = 1 << 1,
  REPORT_TMP    = 1 << 2,
  REPORT_TASKS  = 1 << 3,
} Report;

struct _ForgeResourceGuard
{
  GObject            parent_instance;

  ForgeSandboxLimits limits;
  ForgeCgroup       *cgroup;
  char              *cgroup_problem;
  char             **watched_dirs;

  ForgeResourceGuardStopFunc stop_func;
  gpointer           stop_data;
  GDestroyNotify     stop_destroy;

  /* For the child, between fork() and exec(): plain data only. */
  struct rlimit      nofile;
  gboolean           set_nofile;

  GMutex             mutex;
  GCond              cond;
  GThread           *thread;
  gboolean           quit;               /* under mutex */
  GArray            *namespaces;         /* guint64 pid namespace inodes, under mutex */
  guint              pending;            /* Report flags, under mutex */
  guint64            oom_seen;           /* under mutex */
  guint64            refused_seen;       /* under mutex */
  guint64            rss_peak;           /* under mutex */
  guint64            tasks_peak;         /* under mutex */
  gint64             next_disk_check;    /* the thread's */
  gint64             disk_interval;      /* the thread's */
  gboolean           disk_full;          /* the thread's */
};

G_DEFINE_FINAL_TYPE (ForgeResourceGuard, forge_resource_guard, G_TYPE_OBJECT)

/* {{{ Looking at /proc */

static guint64
namespace_of (const char *pid)
{
  char path[64];
  struct stat st;

  g_snprintf (path, sizeof path, "/proc/%s/ns/pid", pid);
  return stat (path, &st) == 0 ? (guint64) st.st_ino : 0;
}

static gboolean
is_pid (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (; *name != '\0'; name++)
    if (!g_ascii_isdigit (*name))
      return FALSE;
  return TRUE;
}

static guint64
resident_bytes (const char *pid)
{
  char path[64];
  g_autofree char *statm = NULL;
  g_auto(GStrv) fields = NULL;

  g_snprintf (path, sizeof path, "/proc/%s/statm", pid);
  if (!g_file_get_contents (path, &statm, NULL, NULL))
    return 0;
  fields = g_strsplit (statm, " ", 3);
  if (g_strv_length (fields) < 2)
    return 0;

  return g_ascii_strtoull (fields[1], NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
}

/* The threads of @pid, from the field of /proc/PID/stat after its name
 * (which may hold anything, so counted from the last ')'). */
static guint
thread_count (const char *pid)
{
  char path[64];
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  g_snprintf (path, sizeof path, "/proc/%s/stat", pid);
  if (!g_file_get_contents (path, &stat, NULL, NULL) ||
      (after_name = strrchr (stat, ')')) == NULL)
    return 1;

  /* state ppid pgrp session tty tpgid flags minflt cminflt majflt
   * cmajflt utime stime cutime cstime priority nice num_threads */
  fields = g_strsplit (after_name + 2, " ", 19);
  if (g_strv_length (fields) < 18)
    return 1;

  return MAX (1, (guint) g_ascii_strtoull (fields[17], NULL, 10));
}

/* Every task (threads count, as for RLIMIT_NPROC) of this user. */
static guint
count_own_tasks (void)
{
  DIR *dir = opendir ("/proc");
  struct dirent *ent;
  uid_t uid = getuid ();
  guint count = 0;

  if (dir == NULL)
    return 0;

  while ((ent = readdir (dir)) != NULL)
    {
      struct stat st;

      if (!is_pid (ent->d_name) ||
          fstatat (dirfd (dir), ent->d_name, &st, 0) != 0 || st.st_uid != uid)
        continue;
      count += thread_count (ent->d_name);
    }

  closedir (dir);
  return count;
}

/* }}} */

/* {{{ Disk use */

typedef struct
{
  guint64     bytes;
  guint       entries;
  GHashTable *hard_links;   /* "dev:ino" of files with more than one link */
} Walk;

static void
walk_dir (Walk *walk,
          int   dir_fd,
          dev_t dev,
          guint depth)
{
  DIR *dir;
  struct dirent *ent;

  if (depth > MAX_WALK_DEPTH || (dir = fdopendir (dir_fd)) == NULL)
    {
      close (dir_fd);
      return;
    }

  while ((ent = readdir (dir)) != NULL && walk->entries < MAX_WALK_ENTRIES)
    {
      struct stat st;

      if (g_str_equal (ent->d_name, ".") || g_str_equal (ent->d_name, ".."))
        continue;

      walk->entries++;
      if (fstatat (dirfd (dir), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;

      if (!S_ISDIR (st.st_mode) && st.st_nlink > 1)
        {
          char *key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                                       (guint64) st.st_dev, (guint64) st.st_ino);

          if (!g_hash_table_add (walk->hard_links, key))
            continue;
        }

      walk->bytes += (guint64) st.st_blocks * 512;

      /* Never into another file system, never through a symlink. */
      if (S_ISDIR (st.st_mode) && st.st_dev == dev)
        {
          int fd = openat (dirfd (dir), ent->d_name,
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

          if (fd >= 0)
            walk_dir (walk, fd, dev, depth + 1);
        }
    }

  closedir (dir);
}

static guint64
disk_use (const char * const *dirs)
{
  Walk walk = { 0, 0, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };

  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    {
      int fd = open (dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
      struct stat st;

      if (fd < 0)
        continue;
      if (fstat (fd, &st) != 0)
        {
          close (fd);
          continue;
        }
      walk_dir (&walk, fd, st.st_dev, 0);
    }

  g_hash_table_unref (walk.hard_links);
  return walk.bytes;
}

/* }}} */

/* {{{ The watching thread */

static gboolean
watches_namespace (GArray  *namespaces,
                   guint64  ns)
{
  for (guint i = 0; i < namespaces->len; i++)
    if (g_array_index (namespaces, guint64, i) == ns)
      return TRUE;
  return FALSE;
}

/* Samples the watched processes' resident memory; with @memory, does
 * what the memory cgroup would: the biggest process goes past the limit.
 * Also notes whether some namespace's /tmp is full. */
static void
look_at_processes (ForgeResourceGuard *self,
                   gboolean            memory,
                   gboolean           *tmp_full)
{
  g_autoptr(GArray) namespaces = NULL;
  g_autoptr(GHashTable) tmp_checked = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) ns_keys = g_array_new (FALSE, FALSE, sizeof (gint64));
  DIR *dir;
  struct dirent *ent;
  guint64 total = 0;
  guint64 tasks = 0;
  guint64 biggest = 0;
  pid_t biggest_pid = 0;

  g_mutex_lock (&self->mutex);
  namespaces = g_array_copy (self->namespaces);
  g_mutex_unlock (&self->mutex);

  if (namespaces->len == 0 || (dir = opendir ("/proc")) == NULL)
    return;

  g_array_set_size (ns_keys, namespaces->len);

  while ((ent = readdir (dir)) != NULL)
    {
      guint64 ns;
      guint64 rss;

      if (!is_pid (ent->d_name) || (ns = namespace_of (ent->d_name)) == 0 ||
          !watches_namespace (namespaces, ns))
        continue;

      /* /tmp is the namespace's own: looked at through one of its
       * processes, once. */
      for (guint i = 0; i < namespaces->len; i++)
        if (g_array_index (namespaces, guint64, i) == ns &&
            !g_hash_table_contains (tmp_checked, &g_array_index (ns_keys, gint64, i)))
          {
            char path[80];
            struct statvfs vfs;

            g_array_index (ns_keys, gint64, i) = (gint64) ns;
            g_hash_table_add (tmp_checked, &g_array_index (ns_keys, gint64, i));
            g_snprintf (path, sizeof path, "/proc/%s/root/tmp", ent->d_name);
            if (statvfs (path, &vfs) == 0 && vfs.f_blocks > 0 && vfs.f_bavail == 0)
              *tmp_full = TRUE;
          }

      rss = resident_bytes (ent->d_name);
      total += rss;
      if (self->cgroup == NULL)
        tasks += thread_count (ent->d_name);
      if (rss > biggest)
        {
          biggest = rss;
          biggest_pid = (pid_t) g_ascii_strtoll (ent->d_name, NULL, 10);
        }
    }

  closedir (dir);

  /* Resident memory, sampled: what a project needs, unlike a cgroup's
   * count, which holds the page cache its install filled. */
  g_mutex_lock (&self->mutex);
  self->rss_peak = MAX (self->rss_peak, total);
  self->tasks_peak = MAX (self->tasks_peak, tasks);
  g_mutex_unlock (&self->mutex);

  if (memory && total > self->limits.memory_bytes && biggest_pid > 0)
    {
      g_debug ("The sandbox uses %" G_GUINT64_FORMAT " bytes: killing process %d",
               total, (int) biggest_pid);
      kill (biggest_pid, SIGKILL);
      g_mutex_lock (&self->mutex);
      self->pending |= REPORT_MEMORY;
      g_mutex_unlock (&self->mutex);
    }
}

static void
check_disk (ForgeResourceGuard *self)
{
  gint64 started = g_get_monotonic_time ();
  guint64 used;
  gboolean full;

  if (self->limits.workspace_bytes == 0 || started < self->next_disk_check)
    return;

  used = disk_use ((const char * const *) self->watched_dirs);

  /* A big tree is walked less often: the walk must stay a small part of
   * the time. */
  self->disk_interval = CLAMP ((g_get_monotonic_time () - started) * 50,
                               MIN_DISK_INTERVAL_USEC, MAX_DISK_INTERVAL_USEC);
  self->next_disk_check = g_get_monotonic_time () + self->disk_interval;

  full = used > self->limits.workspace_bytes;
  if (full && !self->disk_full)
    {
      g_debug ("The workspace uses %" G_GUINT64_FORMAT " bytes of %" G_GUINT64_FORMAT,
               used, self->limits.workspace_bytes);
      g_mutex_lock (&self->mutex);
      self->pending |= REPORT_DISK;
      g_mutex_unlock (&self->mutex);
      if (self->stop_func != NULL)
        self->stop_func (self->stop_data);
    }
  self->disk_full = full;
}

static void
check_once (ForgeResourceGuard *self)
{
  gboolean memory_by_hand = self->limits.memory_bytes > 0 &&
                            (self->cgroup == NULL || !forge_cgroup_limits_memory (self->cgroup));
  gboolean tmp_full = FALSE;

  if (self->cgroup != NULL)
    {
      guint64 oom = forge_cgroup_get_oom_kills (self->cgroup);
      guint64 refused = forge_cgroup_get_refused_tasks (self->cgroup);
      guint64 tasks = forge_cgroup_count_tasks (self->cgroup);

      g_mutex_lock (&self->mutex);
      if (oom > self->oom_seen)
        self->pending |= REPORT_MEMORY;
      if (refused > self->refused_seen)
        self->pending |= REPORT_TASKS;
      self->oom_seen = oom;
      self->refused_seen = refused;
      self->tasks_peak = MAX (self->tasks_peak, tasks);
      g_mutex_unlock (&self->mutex);
    }

  look_at_processes (self, memory_by_hand, &tmp_full);
  if (tmp_full)
    {
      g_mutex_lock (&self->mutex);
      self->pending |= REPORT_TMP;
      g_mutex_unlock (&self->mutex);
    }

  check_disk (self);
}

static gpointer
watch_thread (gpointer data)
{
  ForgeResourceGuard *self = data;
  gboolean memory_by_hand = self->limits.memory_bytes > 0 &&
                            (self->cgroup == NULL || !forge_cgroup_limits_memory (self->cgroup));
  gint64 interval_usec = (memory_by_hand ? POLL_WITHOUT_CGROUP_MS : POLL_WITH_CGROUP_MS) * 1000;

  g_mutex_lock (&self->mutex);
  while (!self->quit)
    {
      g_cond_wait_until (&self->cond, &self->mutex, g_get_monotonic_time () + interval_usec);
      if (self->quit)
        break;
      g_mutex_unlock (&self->mutex);
      check_once (self);
      g_mutex_lock (&self->mutex);
    }
  g_mutex_unlock (&self->mutex);

  /* The thread's own reference: the guard may end here. */
  g_object_unref (self);
  return NULL;
}

/* Ends the thread (and so its reference), waiting for it unless this is
 * that thread. */
static void
stop_thread (ForgeResourceGuard *self)
{
  GThread *thread;

  g_mutex_lock (&self->mutex);
  self->quit = TRUE;
  thread = g_steal_pointer (&self->thread);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (thread == NULL)
    return;
  if (thread == g_thread_self ())
    g_thread_unref (thread);
  else
    g_thread_join (thread);
}

/* }}} */

static void
forge_resource_guard_finalize (GObject *object)
{
  ForgeResourceGuard *self = (ForgeResourceGuard *)object;

  if (self->stop_destroy != NULL)
    self->stop_destroy (self->stop_data);
  g_clear_object (&self->cgroup);
  g_clear_pointer (&self->cgroup_problem, g_free);
  g_clear_pointer (&self->watched_dirs, g_strfreev);
  g_clear_pointer (&self->namespaces, g_array_unref);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (forge_resource_guard_parent_class)->finalize (object);
}

static void
forge_resource_guard_class_init (ForgeResourceGuardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_resource_guard_finalize;
}

static void
forge_resource_guard_init (ForgeResourceGuard *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->namespaces = g_array_new (FALSE, FALSE, sizeof (guint64));
}

ForgeResourceGuard *
forge_resource_guard_new (const char                 *name,
                          const ForgeSandboxLimits   *limits,
                          const char * const         *watched_dirs,
                          ForgeResourceGuardStopFunc  stop_func,
                          gpointer                    user_data,
                          GDestroyNotify              destroy)
{
  return _forge_resource_guard_new_in_cgroup (name, limits, watched_dirs, NULL, stop_func, user_data, destroy);
}

ForgeResourceGuard *
_forge_resource_guard_new_in_cgroup (const char                 *name,
                                     const ForgeSandboxLimits   *limits,
                                     const char * const         *watched_dirs,
                                     ForgeCgroup                *cgroup,
                                     ForgeResourceGuardStopFunc  stop_func,
                                     gpointer                    user_data,
                                     GDestroyNotify              destroy)
{
  ForgeResourceGuard *self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) thread_error = NULL;
  struct rlimit current;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (limits != NULL, NULL);

  self = g_object_new (FORGE_TYPE_RESOURCE_GUARD, NULL);
  self->limits = *limits;
  self->watched_dirs = g_strdupv ((char **) watched_dirs);
  self->stop_func = stop_func;
  self->stop_data = user_data;
  self->stop_destroy = destroy;

  if (cgroup != NULL)
    self->cgroup = g_object_ref (cgroup);
  else if (limits->memory_bytes > 0 || limits->max_tasks > 0)
    {
      self->cgroup = forge_cgroup_new (name, limits->memory_bytes, limits->max_tasks, &error);
      if (self->cgroup == NULL)
        self->cgroup_problem = g_strdup (error->message);
    }

  if (limits->max_open_files > 0 && getrlimit (RLIMIT_NOFILE, &current) == 0)
    {
      rlim_t n = limits->max_open_files;

      /* Only root may raise the hard limit. */
      if (getuid () != 0 && current.rlim_max != RLIM_INFINITY && n > current.rlim_max)
        n = current.rlim_max;
      self->nofile.rlim_cur = self->nofile.rlim_max = n;
      self->set_nofile = TRUE;
    }

  /* Without a memory cgroup, no rlimit stands in: RLIMIT_AS and
   * RLIMIT_DATA count reservations V8 never touches, and a process that
   * hits them fails on its own, unreported. The thread watches instead. */

  self->thread = g_thread_try_new ("forge-sandbox-limits", watch_thread, g_object_ref (self), &thread_error);
  if (self->thread == NULL)
    {
      g_warning ("Could not watch the sandbox’s use of memory and disk: %s", thread_error->message);
      g_object_unref (self);
    }

  return self;
}

const ForgeSandboxLimits *
forge_resource_guard_get_limits (ForgeResourceGuard *self)
{
  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), NULL);

  return &self->limits;
}

const char * const *
forge_resource_guard_get_wrapper_argv (ForgeResourceGuard *self)
{
  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), NULL);

  return self->cgroup != NULL ? forge_cgroup_get_wrapper_argv (self->cgroup) : NULL;
}

const char *
forge_resource_guard_get_cgroup_kind (ForgeResourceGuard *self)
{
  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), NULL);

  return self->cgroup != NULL ? forge_cgroup_get_kind (self->cgroup) : NULL;
}

/* What one spawn's child does between fork() and exec(): its own copy,
 * so that spawns on other threads never change it meanwhile. */
struct _ForgeChildLimits
{
  ForgeCgroup   *cgroup;
  struct rlimit  nofile;
  struct rlimit  nproc;
  gboolean       set_nofile;
  gboolean       set_nproc;
};

ForgeChildLimits *
forge_resource_guard_prepare_spawn (ForgeResourceGuard *self)
{
  ForgeChildLimits *child;

  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), NULL);

  child = g_new0 (ForgeChildLimits, 1);
  child->cgroup = self->cgroup != NULL ? g_object_ref (self->cgroup) : NULL;
  child->nofile = self->nofile;
  child->set_nofile = self->set_nofile;

  /* RLIMIT_NPROC counts every task of the user, not the sandbox's: the
   * sandbox may add this many to what runs now. Root is not held by it
   * at all. */
  if (self->limits.max_tasks > 0 && getuid () != 0 &&
      (self->cgroup == NULL || !forge_cgroup_limits_tasks (self->cgroup)))
    {
      child->nproc.rlim_cur = child->nproc.rlim_max = (rlim_t) count_own_tasks () + self->limits.max_tasks;
      child->set_nproc = TRUE;
    }

  return child;
}

void
forge_child_limits_free (gpointer data)
{
  ForgeChildLimits *child = data;

  g_clear_object (&child->cgroup);
  g_free (child);
}

void
forge_child_limits_apply (gpointer data)
{
  ForgeChildLimits *self = data;

  if (self->cgroup != NULL && !forge_cgroup_enter_from_child (self->cgroup))
    {
      static const char message[] = "could not join the sandbox’s control group\n";

      if (write (STDERR_FILENO, message, sizeof message - 1) < 0)
        {
          /* Nothing more to say. */
        }
      _exit (126);
    }

  if (self->set_nofile)
    setrlimit (RLIMIT_NOFILE, &self->nofile);
  if (self->set_nproc)
    setrlimit (RLIMIT_NPROC, &self->nproc);
}

char *
forge_resource_guard_describe (ForgeResourceGuard *self)
{
  g_autoptr(GString) text = g_string_new (_("Limits: "));
  g_autofree char *memory = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *workspace = NULL;
  const ForgeSandboxLimits *limits;
  const char *kind;

  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), NULL);

  limits = &self->limits;
  kind = self->cgroup != NULL ? forge_cgroup_get_kind (self->cgroup) : NULL;
  memory = forge_format_limit_size (limits->memory_bytes);
  tmp = forge_format_limit_size (limits->tmp_bytes);
  workspace = forge_format_limit_size (limits->workspace_bytes);

  if (limits->memory_bytes > 0)
    {
      if (kind != NULL && forge_cgroup_limits_memory (self->cgroup))
        /* Translators: "memory 4 GB (cgroup v1)" */
        g_string_append_printf (text, _("memory %s (%s)"), memory, kind);
      else
        g_string_append_printf (text, _("memory %s (watched)"), memory);
      g_string_append (text, ", ");
    }
  if (limits->max_tasks > 0)
    {
      if (kind != NULL && forge_cgroup_limits_tasks (self->cgroup))
        g_string_append_printf (text, _("%u processes (%s)"), limits->max_tasks, kind);
      else if (getuid () != 0)
        g_string_append_printf (text, _("%u processes (rlimit)"), limits->max_tasks);
      else
        g_string_append (text, _("processes not limited (no cgroup, and rlimits do not hold root)"));
      g_string_append (text, ", ");
    }
  if (self->set_nofile)
    {
      g_string_append_printf (text, _("%u open files (rlimit)"), (guint) self->nofile.rlim_cur);
      g_string_append (text, ", ");
    }
  if (limits->tmp_bytes > 0)
    {
      g_string_append_printf (text, _("/tmp %s"), tmp);
      g_string_append (text, ", ");
    }
  if (limits->workspace_bytes > 0)
    {
      g_string_append_printf (text, _("workspace %s (watched)"), workspace);
      g_string_append (text, ", ");
    }

  if (g_str_has_suffix (text->str, ", "))
    g_string_truncate (text, text->len - 2);
  else
    g_string_append (text, _("none"));

  if (self->cgroup == NULL && self->cgroup_problem != NULL &&
      (limits->memory_bytes > 0 || limits->max_tasks > 0))
    g_string_append_printf (text, _(". No cgroup: %s."), self->cgroup_problem);
  else
    g_string_append_c (text, '.');

  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
forge_resource_guard_watch_tree (ForgeResourceGuard     *self,
                                 const ForgeProcessTree *tree)
{
  g_return_if_fail (FORGE_IS_RESOURCE_GUARD (self));

  if (tree->pid_ns == 0)
    return;
  g_mutex_lock (&self->mutex);
  g_array_append_val (self->namespaces, tree->pid_ns);
  g_mutex_unlock (&self->mutex);
}

void
forge_resource_guard_unwatch_tree (ForgeResourceGuard     *self,
                                   const ForgeProcessTree *tree)
{
  g_return_if_fail (FORGE_IS_RESOURCE_GUARD (self));

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->namespaces->len; i++)
    if (g_array_index (self->namespaces, guint64, i) == tree->pid_ns)
      {
        g_array_remove_index_fast (self->namespaces, i);
        break;
      }
  g_mutex_unlock (&self->mutex);
}

void
forge_resource_guard_check (ForgeResourceGuard *self)
{
  g_return_if_fail (FORGE_IS_RESOURCE_GUARD (self));

  self->next_disk_check = 0;
  check_once (self);
}

char *
forge_resource_guard_take_report (ForgeResourceGuard *self)
{
  g_autofree char *size = NULL;
  guint pending;

  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), NULL);

  g_mutex_lock (&self->mutex);
  pending = self->pending;
  self->pending = 0;
  g_mutex_unlock (&self->mutex);

  /* The cause first: a full disk may well have made a process fail too. */
  if (pending & REPORT_DISK)
    {
      size = forge_format_limit_size (self->limits.workspace_bytes);
      /* Translators: follows "Installing dependencies" or "The dev server" */
      return g_strdup_printf (_("filled the workspace past its disk limit (%s)"), size);
    }
  if (pending & REPORT_MEMORY)
    {
      size = forge_format_limit_size (self->limits.memory_bytes);
      return g_strdup_printf (_("ran out of memory (limit %s)"), size);
    }
  if (pending & REPORT_TMP)
    {
      size = forge_format_limit_size (self->limits.tmp_bytes);
      return g_strdup_printf (_("filled /tmp (limit %s)"), size);
    }
  if (pending & REPORT_TASKS)
    return g_strdup_printf (_("reached its limit of %u processes"), self->limits.max_tasks);

  return NULL;
}

guint64
forge_resource_guard_get_memory_peak (ForgeResourceGuard *self)
{
  guint64 peak;

  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), 0);

  g_mutex_lock (&self->mutex);
  peak = self->rss_peak;
  g_mutex_unlock (&self->mutex);
  return peak;
}

guint64
forge_resource_guard_get_tasks_peak (ForgeResourceGuard *self)
{
  guint64 peak = 0;

  g_return_val_if_fail (FORGE_IS_RESOURCE_GUARD (self), 0);

  if (self->cgroup != NULL)
    peak = forge_cgroup_get_tasks_peak (self->cgroup);
  if (peak == 0)
    {
      g_mutex_lock (&self->mutex);
      peak = self->tasks_peak;
      g_mutex_unlock (&self->mutex);
    }
  return peak;
}

void
forge_resource_guard_shutdown (ForgeResourceGuard *self)
{
  g_return_if_fail (FORGE_IS_RESOURCE_GUARD (self));

  stop_thread (self);
}
