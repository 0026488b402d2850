-- EXPLAIN ANALYZE of the feed and timeline queries, in the form the store
-- sends them (internal/store/feeds.go ListPublicFeeds, timelines.go).
-- Run against a database filled by `kira seed` (docs/benchmarks.md):
--   psql 'postgres://postgres@127.0.0.1:5432/kira_bench' -f bench/explain.sql
\pset pager off
\set cols 'id, user_id, media_kind, image_id, task_id, origin_image_id, thread_id, message_id, public_key, prompt, flags, is_public, featured, liked_number, created_at, updated_at'

\echo '== first page: GET /feed/'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT :cols FROM feeds WHERE is_public ORDER BY created_at DESC, id DESC LIMIT 21 OFFSET 0;

\echo '== first page of one kind: GET /feed/?mediaType=video'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT :cols FROM feeds WHERE is_public AND media_kind = 'video' ORDER BY created_at DESC, id DESC LIMIT 21 OFFSET 0;

\echo '== deepest ?page= the API allows: GET /feed/?page=500'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT :cols FROM feeds WHERE is_public ORDER BY created_at DESC, id DESC LIMIT 21 OFFSET 9980;

\echo '== what ?page=25000 would cost (OFFSET 499980)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT :cols FROM feeds WHERE is_public ORDER BY created_at DESC, id DESC LIMIT 21 OFFSET 499980;

\echo '== keyset page 500000 posts deep: GET /feed/?cursor=…'
SELECT created_at AS cur_at, id AS cur_id FROM feeds WHERE is_public
 ORDER BY created_at DESC, id DESC OFFSET 500000 LIMIT 1 \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT :cols FROM feeds WHERE is_public AND (created_at, id) < (:cur_at, :'cur_id')
 ORDER BY created_at DESC, id DESC LIMIT 21 OFFSET 0;

\echo '== the same as a generic prepared plan (what a reused pgx statement may get)'
SET plan_cache_mode = force_generic_plan;
PREPARE keyset(bigint, text, int, int) AS
SELECT id FROM feeds WHERE is_public AND (created_at, id) < ($1, $2)
 ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE keyset(:cur_at, :'cur_id', 21, 0);
DEALLOCATE keyset;
RESET plan_cache_mode;

\echo '== timelines of the user with the most posts: threads, versions+images, tasks, files'
SELECT user_id AS tl_user FROM feeds GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 1 \gset
SELECT string_agg(quote_literal(id), ',') AS tl_threads FROM (SELECT id FROM threads WHERE user_id = :'tl_user'
 ORDER BY created_at DESC, id DESC LIMIT 6) t \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT id FROM threads WHERE user_id = :'tl_user' ORDER BY created_at DESC, id DESC LIMIT 6;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT v.id, v.thread_id, v.created_at, vi.image_id, vi.data
  FROM versions v LEFT JOIN version_images vi ON vi.version_id = v.id
 WHERE v.thread_id IN (:tl_threads) ORDER BY v.created_at DESC, v.id DESC, vi.position;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT id FROM media_tasks WHERE thread_id IN (:tl_threads) AND version_id IS NOT NULL
   AND status = 'completed' AND result_file_id IS NOT NULL ORDER BY created_at, id;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT id FROM files WHERE id IN (
  SELECT vi.image_id FROM version_images vi JOIN versions v ON v.id = vi.version_id WHERE v.thread_id IN (:tl_threads)
  UNION ALL SELECT result_file_id FROM media_tasks WHERE thread_id IN (:tl_threads) AND version_id IS NOT NULL AND status = 'completed'
  UNION ALL SELECT thumb_file_id FROM media_tasks WHERE thread_id IN (:tl_threads) AND version_id IS NOT NULL AND status = 'completed');
