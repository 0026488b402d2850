-- 0001_init: the whole schema the API needs. Timestamps are BIGINT Unix
-- microseconds (UTC, written by the app); JSON is TEXT; ids are app-made.

CREATE TABLE profiles (
    id                    TEXT PRIMARY KEY,
    email                 TEXT,
    nickname              TEXT NOT NULL,
    avatar_image_id       TEXT,
    plan                  TEXT NOT NULL DEFAULT 'free',
    credit                INTEGER NOT NULL DEFAULT 0 CHECK (credit >= 0),
    addon_credits         INTEGER NOT NULL DEFAULT 0 CHECK (addon_credits >= 0),
    language              TEXT NOT NULL DEFAULT 'en',
    watermark             BOOLEAN NOT NULL DEFAULT FALSE,
    is_open_notification  BOOLEAN NOT NULL DEFAULT TRUE,
    last_credit_issued_at BIGINT,
    banned                BOOLEAN NOT NULL DEFAULT FALSE,
    referral_code         TEXT UNIQUE,
    referred_by           TEXT,
    stripe_customer_id    TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX profiles_referred_by ON profiles (referred_by);

-- files: every stored object (uploads, AI outputs, derivatives live in the
-- *_key columns). Ownership checks read user_id here, never the client.
CREATE TABLE files (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    origin        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL DEFAULT 0,
    storage_key   TEXT NOT NULL,
    width         INTEGER,
    height        INTEGER,
    duration_ms   BIGINT,
    blurhash      TEXT,
    thumb_key     TEXT,
    blur_key      TEXT,
    watermark_key TEXT,
    public_key    TEXT,
    prompt        TEXT,
    seed          BIGINT,
    tool_call_id  TEXT,
    tool_name     TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX files_user ON files (user_id, created_at);

CREATE TABLE threads (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    title_source   TEXT NOT NULL DEFAULT 'provisional',
    thumb_image_id TEXT,
    flags          TEXT NOT NULL DEFAULT '[]',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX threads_user_updated ON threads (user_id, updated_at, id);
CREATE INDEX threads_user_created ON threads (user_id, created_at, id);

-- messages: body is the whole UI message as JSON; format 'v4' rows are
-- converted on read and rewritten to 'v5' in the background.
CREATE TABLE messages (
    thread_id  TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    role       TEXT NOT NULL,
    body       TEXT NOT NULL,
    format     TEXT NOT NULL DEFAULT 'v5',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (thread_id, id)
);
CREATE INDEX messages_thread_created ON messages (thread_id, created_at);

CREATE TABLE versions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    thread_id  TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (thread_id, message_id)
);
CREATE INDEX versions_thread_created ON versions (thread_id, created_at);

-- version_images: data keeps the image object as the tool produced it
-- (toolCallId, toolName, seed, prompt) beside the file registry row.
CREATE TABLE version_images (
    version_id TEXT NOT NULL REFERENCES versions (id) ON DELETE CASCADE,
    image_id   TEXT NOT NULL,
    position   INTEGER NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (version_id, image_id)
);
CREATE INDEX version_images_image ON version_images (image_id);

CREATE TABLE media_tasks (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    thread_id       TEXT REFERENCES threads (id) ON DELETE SET NULL,
    version_id      TEXT REFERENCES versions (id) ON DELETE SET NULL,
    message_id      TEXT,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    provider        TEXT NOT NULL,
    prompt          TEXT NOT NULL DEFAULT '',
    params          TEXT NOT NULL DEFAULT '{}',
    source_image_id TEXT,
    result_file_id  TEXT,
    thumb_file_id   TEXT,
    width           INTEGER,
    height          INTEGER,
    duration_ms     BIGINT,
    blurhash        TEXT,
    error_message   TEXT,
    job_id          BIGINT,
    charged         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT
);
CREATE INDEX media_tasks_user_kind ON media_tasks (user_id, kind, status, created_at);
CREATE INDEX media_tasks_thread ON media_tasks (thread_id);
CREATE INDEX media_tasks_version ON media_tasks (version_id);

-- feeds: published posts. media_kind is never NULL so it can lead an index;
-- the API's mediaType (null for images) is derived from it. is_public is
-- stored (flags = '[]') because every public listing filters on it.
CREATE TABLE feeds (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    media_kind      TEXT NOT NULL,
    image_id        TEXT,
    task_id         TEXT,
    origin_image_id TEXT,
    thread_id       TEXT,
    message_id      TEXT,
    public_key      TEXT,
    prompt          TEXT NOT NULL DEFAULT '',
    flags           TEXT NOT NULL DEFAULT '[]',
    is_public       BOOLEAN NOT NULL,
    featured        BOOLEAN NOT NULL DEFAULT FALSE,
    liked_number    INTEGER NOT NULL DEFAULT 0 CHECK (liked_number >= 0),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX feeds_public ON feeds (created_at, id) WHERE is_public;
CREATE INDEX feeds_public_kind ON feeds (media_kind, created_at, id) WHERE is_public;
CREATE INDEX feeds_featured ON feeds (created_at) WHERE featured AND is_public;
CREATE INDEX feeds_user ON feeds (user_id, created_at, id);
CREATE INDEX feeds_origin_image ON feeds (origin_image_id);
CREATE INDEX feeds_image ON feeds (image_id);
CREATE INDEX feeds_task ON feeds (task_id);

CREATE TABLE likes (
    feed_id    TEXT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (feed_id, user_id)
);
CREATE INDEX likes_user ON likes (user_id, created_at);

CREATE TABLE filters (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    prompt     TEXT NOT NULL,
    cover_url  TEXT NOT NULL DEFAULT '',
    sort       INTEGER NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at BIGINT NOT NULL
);
CREATE INDEX filters_sort ON filters (category, sort);

CREATE TABLE filter_favourites (
    user_id    TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    filter_id  TEXT NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, filter_id)
);
CREATE INDEX filter_favourites_user ON filter_favourites (user_id, created_at);

-- credit_ledger: append-only; the unique key (tool + task or image id) makes
-- every charge and refund idempotent.
CREATE TABLE credit_ledger (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    entry_key    TEXT NOT NULL UNIQUE,
    credit_delta INTEGER NOT NULL DEFAULT 0,
    addon_delta  INTEGER NOT NULL DEFAULT 0,
    reason       TEXT NOT NULL,
    ref_id       TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX credit_ledger_user ON credit_ledger (user_id, created_at);

CREATE TABLE account_deletions (
    user_id         TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
    reason          TEXT NOT NULL,
    reason_text     TEXT,
    delete_at       BIGINT NOT NULL,
    reminder_at     BIGINT NOT NULL,
    delete_job_id   BIGINT,
    reminder_job_id BIGINT,
    created_at      BIGINT NOT NULL
);

CREATE TABLE embeddings (
    feed_id    TEXT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    model      TEXT NOT NULL,
    dims       INTEGER NOT NULL,
    vector     BLOB NOT NULL,
    is_public  BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX embeddings_user ON embeddings (user_id);

-- agent_runs: the partial unique index is the database's own guarantee of
-- at most one running run per thread, whatever instance started it.
CREATE TABLE agent_runs (
    id                   TEXT PRIMARY KEY,
    thread_id            TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    user_id              TEXT NOT NULL,
    status               TEXT NOT NULL,
    user_message_id      TEXT,
    assistant_message_id TEXT,
    instance             TEXT,
    lease_until          BIGINT,
    error                TEXT,
    started_at           BIGINT NOT NULL,
    finished_at          BIGINT
);
CREATE UNIQUE INDEX agent_runs_one_active ON agent_runs (thread_id) WHERE status = 'running';
CREATE INDEX agent_runs_thread ON agent_runs (thread_id, started_at);
