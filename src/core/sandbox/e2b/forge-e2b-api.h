/* forge-e2b-api.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-e2b-config.h"
#include "forge-e2b-error.h"

G_BEGIN_DECLS

/* What create and connect answer about a sandbox. */
typedef struct
{
  char *sandbox_id;
  char *template_id;        /* NULL when the answer had none */
  /* For envd's X-Access-Token. A secret like the API key: never log it.
   * NULL when E2B issued none. */
  char *envd_access_token;
  /* The sandbox's own domain, else the configured one: never NULL. */
  char *domain;
  char *envd_version;       /* NULL when the answer had none */
} ForgeE2bSandboxInfo;

#define FORGE_TYPE_E2B_SANDBOX_INFO (forge_e2b_sandbox_info_get_type ())

GType                 forge_e2b_sandbox_info_get_type (void) G_GNUC_CONST;
ForgeE2bSandboxInfo  *forge_e2b_sandbox_info_copy     (const ForgeE2bSandboxInfo *info);
/* Wipes the access token before freeing it. */
void                  forge_e2b_sandbox_info_free     (ForgeE2bSandboxInfo       *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeE2bSandboxInfo, forge_e2b_sandbox_info_free)

typedef enum
{
  FORGE_E2B_SANDBOX_STATE_UNKNOWN,
  FORGE_E2B_SANDBOX_STATE_RUNNING,
  FORGE_E2B_SANDBOX_STATE_PAUSED,
} ForgeE2bSandboxState;

/* What get and list answer about a sandbox. */
typedef struct
{
  char                 *sandbox_id;
  char                 *template_id;   /* may be NULL */
  ForgeE2bSandboxState  state;
  GDateTime            *started_at;    /* may be NULL */
  GDateTime            *end_at;        /* when it expires; may be NULL */
  GHashTable           *metadata;      /* string → string; never NULL */
} ForgeE2bSandboxDetail;

#define FORGE_TYPE_E2B_SANDBOX_DETAIL (forge_e2b_sandbox_detail_get_type ())

GType                  forge_e2b_sandbox_detail_get_type (void) G_GNUC_CONST;
ForgeE2bSandboxDetail *forge_e2b_sandbox_detail_copy     (const ForgeE2bSandboxDetail *detail);
void                   forge_e2b_sandbox_detail_free     (ForgeE2bSandboxDetail       *detail);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeE2bSandboxDetail, forge_e2b_sandbox_detail_free)

#define FORGE_TYPE_E2B_API (forge_e2b_api_get_type ())

G_DECLARE_FINAL_TYPE (ForgeE2bApi, forge_e2b_api, FORGE, E2B_API, GObject)

/* The E2B control plane (api.$E2B_DOMAIN): create, look up, keep alive,
 * pause, resume, list and kill sandboxes.
 *
 * Threads: the _sync calls block and may be made from several threads at
 * once. They rely on libsoup ≥ 3.2's rule that a session's *send* API may
 * be called concurrently from any thread, provided the session is
 * configured only on the thread that created it and before the first
 * request: the session is configured in the constructor and never
 * touched otherwise, and each call sends its own SoupMessage with
 * soup_session_send() (the sync form makes its own main context, so a
 * worker thread needs none). The _async calls run the _sync ones in a
 * GTask thread and answer on the caller's thread-default main context.
 * The retry policy may be changed at any time (under a lock).
 *
 * Retries: 429 and 5xx answers are retried with exponential backoff
 * (default 4 attempts, 500 ms doubling, at most 10 s in all, a numeric
 * Retry-After honoured within that bound); the wait is cancellable. Every
 * other failure is returned at once. A create retried after a 5xx may
 * leave a sandbox that E2B made but did not report: it carries the same
 * metadata, so the start-up sweep (list + kill) finds it.
 *
 * Answers are read up to 1 MiB and parsed as JSON no deeper than 32
 * levels; anything else is a FORGE_E2B_ERROR_PROTOCOL error.
 *
 * Secrets: the API key goes only into the X-API-Key header; it is in no
 * URL, log line or error message (a server message quoting it is
 * redacted). The debug log (G_MESSAGES_DEBUG=forge-e2b) shows method,
 * path, status and time only. */
ForgeE2bApi    *forge_e2b_api_new                (ForgeE2bConfig *config);
ForgeE2bConfig *forge_e2b_api_get_config         (ForgeE2bApi    *self);

/* max_attempts ≥ 1 counts the first; first_delay_ms the wait before the
 * second, doubled each time; max_total_ms bounds the whole call including
 * the waits (a retry that would pass it is not made). Tests make these
 * small. */
void            forge_e2b_api_set_retry_policy   (ForgeE2bApi    *self,
                                                  guint           max_attempts,
                                                  guint           first_delay_ms,
                                                  guint           max_total_ms);

/* POST /sandboxes. timeout_s (> 0) is always sent: E2B's own default is
 * 15 s. metadata and env_vars are string → string tables, or NULL.
 * auto_pause: pause instead of kill at the timeout. Errors:
 * TIMEOUT_TOO_LONG (says the plan's limit), TEMPLATE_NOT_FOUND,
 * UNAUTHORIZED, NO_API_KEY, RATE_LIMITED, SERVER, NETWORK, PROTOCOL,
 * BAD_REQUEST (which is also what a plan without pausing gives for
 * auto_pause). */
ForgeE2bSandboxInfo   *forge_e2b_api_create_sandbox_sync  (ForgeE2bApi   *self,
                                                           const char    *template_id,
                                                           guint          timeout_s,
                                                           GHashTable    *metadata,
                                                           GHashTable    *env_vars,
                                                           gboolean       auto_pause,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* GET /sandboxes/{id}. NOT_FOUND when the sandbox is gone. */
ForgeE2bSandboxDetail *forge_e2b_api_get_sandbox_sync     (ForgeE2bApi   *self,
                                                           const char    *sandbox_id,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* Keeps a sandbox alive for at least seconds (> 0) from now, never
 * shortening it: reads endAt first (GET) and sets the timeout (POST
 * /sandboxes/{id}/timeout) only when that moves endAt later, comparing
 * with the server's clock (its Date header) where it sent one. A paused
 * sandbox is left alone. Returns what the GET read, with end_at moved to
 * the new end when it extended; *extended (may be NULL) says whether it
 * did. Someone extending between the GET and the POST can still be cut
 * back to "seconds from now": E2B has no compare-and-set. NOT_FOUND when
 * the sandbox is gone. */
ForgeE2bSandboxDetail *forge_e2b_api_extend_timeout_sync  (ForgeE2bApi   *self,
                                                           const char    *sandbox_id,
                                                           guint          seconds,
                                                           gboolean      *extended,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* DELETE /sandboxes/{id}. NOT_FOUND when it was already gone (callers
 * tidying up may take that for success). */
gboolean               forge_e2b_api_kill_sandbox_sync    (ForgeE2bApi   *self,
                                                           const char    *sandbox_id,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* GET /v2/sandboxes, running and paused ones, with every page (following
 * X-Next-Token). metadata (or NULL) keeps the sandboxes whose metadata
 * has all of its pairs. Returns ForgeE2bSandboxDetail elements. */
GPtrArray             *forge_e2b_api_list_sandboxes_sync  (ForgeE2bApi   *self,
                                                           GHashTable    *metadata,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* POST /sandboxes/{id}/pause. CONFLICT when E2B will not pause it (already
 * paused, or a plan without pausing); NOT_FOUND when it is gone. */
gboolean               forge_e2b_api_pause_sandbox_sync   (ForgeE2bApi   *self,
                                                           const char    *sandbox_id,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* POST /sandboxes/{id}/connect: resumes a paused sandbox (or answers for
 * a running one) and sets its timeout to timeout_s (> 0) from now. */
ForgeE2bSandboxInfo   *forge_e2b_api_connect_sandbox_sync (ForgeE2bApi   *self,
                                                           const char    *sandbox_id,
                                                           guint          timeout_s,
                                                           GCancellable  *cancellable,
                                                           GError       **error);

/* The same calls for the main loop, with the same results and errors. */
void                   forge_e2b_api_create_sandbox_async   (ForgeE2bApi          *self,
                                                             const char           *template_id,
                                                             guint                 timeout_s,
                                                             GHashTable           *metadata,
                                                             GHashTable           *env_vars,
                                                             gboolean              auto_pause,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
ForgeE2bSandboxInfo   *forge_e2b_api_create_sandbox_finish  (ForgeE2bApi          *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
void                   forge_e2b_api_get_sandbox_async      (ForgeE2bApi          *self,
                                                             const char           *sandbox_id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
ForgeE2bSandboxDetail *forge_e2b_api_get_sandbox_finish     (ForgeE2bApi          *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
void                   forge_e2b_api_extend_timeout_async   (ForgeE2bApi          *self,
                                                             const char           *sandbox_id,
                                                             guint                 seconds,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
ForgeE2bSandboxDetail *forge_e2b_api_extend_timeout_finish  (ForgeE2bApi          *self,
                                                             GAsyncResult         *result,
                                                             gboolean             *extended,
                                                             GError              **error);
void                   forge_e2b_api_kill_sandbox_async     (ForgeE2bApi          *self,
                                                             const char           *sandbox_id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean               forge_e2b_api_kill_sandbox_finish    (ForgeE2bApi          *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
void                   forge_e2b_api_list_sandboxes_async   (ForgeE2bApi          *self,
                                                             GHashTable           *metadata,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
GPtrArray             *forge_e2b_api_list_sandboxes_finish  (ForgeE2bApi          *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
void                   forge_e2b_api_pause_sandbox_async    (ForgeE2bApi          *self,
                                                             const char           *sandbox_id,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean               forge_e2b_api_pause_sandbox_finish   (ForgeE2bApi          *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);
void                   forge_e2b_api_connect_sandbox_async  (ForgeE2bApi          *self,
                                                             const char           *sandbox_id,
                                                             guint                 timeout_s,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
ForgeE2bSandboxInfo   *forge_e2b_api_connect_sandbox_finish (ForgeE2bApi          *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

G_END_DECLS
