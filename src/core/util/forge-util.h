/* forge-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Dev server output without its colours (CSI and OSC sequences, \r). */
char     *forge_strip_ansi          (const char *text);
/* $XDG_*_HOME/forge-preview, read from the environment each time. */
char     *forge_data_dir            (void);
char     *forge_state_dir           (void);
char     *forge_cache_dir           (void);
/* Where a damaged @path is kept: "PATH.corrupt-YYYYMMDDTHHMMSS" (UTC),
 * with "-N" added when that exists already. */
char     *forge_dup_corrupt_path    (const char  *path);
/* Renames a damaged @path to forge_dup_corrupt_path(): nothing reads it
 * again, nothing of it is lost. Returns where it went. */
char     *forge_move_aside          (const char  *path,
                                     GError     **error);
/* Removes what forge_write_file_atomic() leaves when killed mid-write
 * ("NAME.XXXXXX" beside NAME) in @dir: for @name only, or for every
 * "*.json" when @name is NULL; only files older than @min_age_s, so that
 * another process's write under way is left alone. Returns how many. */
guint     forge_remove_stale_temp_files (const char *dir,
                                         const char *name,
                                         guint       min_age_s);
/* Temp file, fsync, rename: a crash leaves the old or the new file. 0600. */
gboolean  forge_write_file_atomic   (const char  *path,
                                     const char  *contents,
                                     gssize       length,
                                     GError     **error);


/* A repository address as people read it: a local clone as its folder,
 * "~/" for the home folder ("~/Projects/site"), anything else as it is. */
char     *forge_display_url         (const char  *url);
/* A duration as people read it: "less than a second" (never "0 ms"),
 * "12 s", "3 min 5 s", "1 h 20 min". */
char     *forge_format_duration     (gint64       milliseconds);

/* The first http(s) URL on a dev server's output line that points at this
 * machine ("Local: http://127.0.0.1:5173/app/"), ANSI codes ignored; NULL
 * when there is none. */
char     *forge_find_local_url      (const char  *line);
/* A TCP port free on 127.0.0.1 right now. */
guint     forge_pick_free_port      (GError     **error);

/* Reads @stream to its end, at most @max_bytes; *too_large when there was
 * more (or when @content_length, unless -1, says so up front), the rest
 * then left unread: a hostile server cannot make the app hold more. */
GBytes   *forge_read_bounded        (GInputStream  *stream,
                                     gsize          max_bytes,
                                     goffset        content_length,
                                     gboolean      *too_large,
                                     GCancellable  *cancellable,
                                     GError       **error);
/* Whether @data holds at most one JSON value at its top level (a UTF-8
 * BOM allowed before it). json-glib 1.6 accepts "{}{}", keeps the last
 * value and leaks the others: text from a sandbox or a server could
 * leak memory a message at a time. */
gboolean  forge_json_single_value       (const char  *data,
                                         gsize        length);
/* Whether the arrays and objects of a JSON text nest at most @max_depth
 * deep: asked before parsing, as json-glib's parser recurses. */
gboolean  forge_json_depth_within   (const char    *data,
                                     gsize          length,
                                     guint          max_depth);
/* Reading files of a repository a sandbox can write to.
 *
 * The work tree is hostile input: between a check and a read a dying
 * sandbox can swap a file for a symlink to a host file (~/.ssh/id_rsa),
 * for /dev/zero, or for a FIFO that blocks the reader forever. These open
 * every component of relative_path below root_dir with O_NOFOLLOW (so a
 * symlink anywhere in the path is refused, never followed), open the last
 * one non-blocking, and accept only what fstat() says is a regular file
 * of bounded size. root_dir itself is trusted: the host made it.
 * relative_path must stay below root_dir: absolute paths and ".." are
 * refused. */
#define FORGE_REPO_FILE_ERROR (forge_repo_file_error_quark ())

typedef enum
{
  FORGE_REPO_FILE_ERROR_FAILED,
  FORGE_REPO_FILE_ERROR_NOT_FOUND,
  FORGE_REPO_FILE_ERROR_INVALID_PATH,   /* absolute, "..", or empty */
  FORGE_REPO_FILE_ERROR_SYMLINK,        /* a component is a symbolic link */
  FORGE_REPO_FILE_ERROR_NOT_REGULAR,    /* a FIFO, device, socket or directory */
  FORGE_REPO_FILE_ERROR_TOO_LARGE,
} ForgeRepoFileError;

/* Bounds real projects fit in: configuration files are small, a
 * package.json rarely passes a few hundred KiB, and lockfiles of large
 * monorepos reach tens of MiB. */
#define FORGE_REPO_CONFIG_MAX_SIZE    ((gsize) 1 * 1024 * 1024)
#define FORGE_REPO_MANIFEST_MAX_SIZE  ((gsize) 8 * 1024 * 1024)
#define FORGE_REPO_LOCKFILE_MAX_SIZE  ((gsize) 64 * 1024 * 1024)

typedef enum
{
  FORGE_REPO_TEST_IS_REGULAR = 1 << 0,
  FORGE_REPO_TEST_IS_DIR     = 1 << 1,
  FORGE_REPO_TEST_IS_SYMLINK = 1 << 2,   /* the last component only */
} ForgeRepoTest;

GQuark    forge_repo_file_error_quark (void);
/* A read-only descriptor of the regular file at relative_path, or -1.
 * Never blocks, whatever the sandbox put there. */
int       forge_open_repo_file      (const char   *root_dir,
                                     const char   *relative_path,
                                     GError      **error);
/* The whole file, NUL-terminated; refused when larger than max_size. */
gboolean  forge_read_repo_file      (const char   *root_dir,
                                     const char   *relative_path,
                                     gsize         max_size,
                                     char        **contents,
                                     gsize        *length,
                                     GError      **error);
/* Whether relative_path is one of the kinds in test, without following a
 * symlink anywhere on the way (g_file_test() follows them). An empty
 * relative_path tests root_dir itself. */
gboolean  forge_repo_test           (const char   *root_dir,
                                     const char   *relative_path,
                                     ForgeRepoTest test);
/* Hex SHA-256 of a repository file, read in chunks through
 * forge_open_repo_file(); NULL when it cannot be read or is larger than
 * max_size. */
char     *forge_checksum_file       (const char   *root_dir,
                                     const char   *relative_path,
                                     gsize         max_size,
                                     GError      **error);
/* The names in the directory at relative_path (an empty one lists
 * root_dir), sorted, without "." and "..", reached as
 * forge_open_repo_file() reaches a file: a symlink anywhere on the way,
 * the directory itself included, is refused. More than max_entries is
 * refused too (FORGE_REPO_FILE_ERROR_TOO_LARGE): a sandbox can fill a
 * folder with millions. */
char    **forge_list_repo_dir       (const char   *root_dir,
                                     const char   *relative_path,
                                     guint         max_entries,
                                     GError      **error);
/* Removes a directory tree without following symlinks. Blocking. */
gboolean  forge_remove_tree         (const char  *path,
                                     GError     **error);


/* Runs func on context through an idle source, always: unlike
 * g_main_context_invoke() it never runs func right away on the calling
 * thread, which a worker thread could otherwise do while the owner of
 * context is not iterating it. */
void      forge_dispatch_on_context (GMainContext   *context,
                                     int             priority,
                                     GSourceFunc     func,
                                     gpointer        data,
                                     GDestroyNotify  notify);

/* What a dev server prints is hostile too: one line can be megabytes, and
 * not UTF-8. Lines are cut to at most this many bytes (on a character
 * boundary) before they reach the main context, "…" marking the cut. */
#define FORGE_LOG_LINE_MAX 4096

/* line as valid UTF-8, cut after FORGE_LOG_LINE_MAX bytes with "…". */
char     *forge_log_line_sanitize   (const char     *line);

/* Hands items from worker threads to a main context in batches: one
 * source dispatch drains everything queued so far, so a flood of log
 * lines costs the main loop one wake-up per batch, not one per line.
 * Items come out in the order they were pushed. While items wait, the
 * owner is kept alive (as an idle per item did before). */
typedef struct _ForgeBatcher ForgeBatcher;

/* Called on the context with the items of one batch, in order. */
typedef void (*ForgeBatchFunc) (gpointer   owner,
                                GPtrArray *items);

/* After a dispatch, the next one waits interval_ms unless an urgent item
 * comes, so a steady flood is delivered at most that often. */
ForgeBatcher *forge_batcher_new     (GMainContext   *context,
                                     GObject        *owner,
                                     guint           interval_ms,
                                     ForgeBatchFunc  func,
                                     GDestroyNotify  item_free);
/* Thread-safe. An urgent item (a step finishing) is delivered at once,
 * with whatever was queued before it. */
void          forge_batcher_push    (ForgeBatcher   *self,
                                     gpointer        item,
                                     gboolean        urgent);
/* On the context's thread: delivers what is queued now, so that what the
 * owner emits next comes after it. */
void          forge_batcher_flush   (ForgeBatcher   *self);
/* How many batches were delivered (for tests). */
guint         forge_batcher_get_n_dispatches (ForgeBatcher *self);
/* Drops undelivered items. */
void          forge_batcher_free    (ForgeBatcher   *self);

/* How long an environment variable's name may be. */
#define FORGE_ENV_NAME_MAX 256

/* A variable name a shell would take: a letter or "_", then letters,
 * digits and "_", at most FORGE_ENV_NAME_MAX bytes. */
gboolean      forge_env_name_is_valid (const char *name);

/* The one exit-status convention of sandbox commands: a wait status as
 * from waitpid() becomes the exit code, or 128+N for signal N. */
int           forge_exit_code_from_wait_status (int wait_status);

G_END_DECLS
