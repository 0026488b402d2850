package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Timeline is one thread with the completed media of all its versions,
// newest first and de-duplicated (GET /thread/timelines).
type Timeline struct {
	Thread Thread
	Items  []TimelineItem
}

// TimelineItem is one completed media item: an image of the file registry,
// or a completed video/music task with its result files.
type TimelineItem struct {
	Kind      string // image, video, audio
	VersionID string
	Image     *VersionImage // Kind image; Image.File is always set
	Task      *MediaTask    // Kind video or audio
	Result    *File         // the task's video/audio file
	Thumb     *File         // the task's thumbnail (video) or cover (audio), when it exists
}

// TimelinePage is one page of timelines.
type TimelinePage struct {
	Timelines []Timeline
	HasMore   bool
}

// ListTimelines pages a user's threads by creation time, newest first,
// strictly before `before` (nil for the first page), with each thread's
// completed media. It runs four queries whatever the number of threads,
// versions and items (threads, versions with their images, tasks, files),
// so a page never costs a query per thread.
//
// Clients page with the createdAt of the last thread, which the API prints
// with millisecond precision while rows carry microseconds. A page therefore
// never ends inside a millisecond that the next thread shares: those threads
// move to the next page, so the millisecond cursor neither skips nor repeats
// a thread. (Only when more than limit threads of one user share one
// millisecond, which thread creation practically never does, can the cursor
// skip some of them.)
func (s *Store) ListTimelines(ctx context.Context, userID string, before *time.Time, limit int) (TimelinePage, error) {
	threads, err := s.timelineThreads(ctx, userID, before, limit+1)
	if err != nil {
		return TimelinePage{}, err
	}
	page := TimelinePage{HasMore: len(threads) > limit}
	if page.HasMore {
		threads = trimSharedMillisecond(threads[:limit], threads[limit])
	}
	if len(threads) == 0 {
		return page, nil
	}
	items, err := s.timelineItems(ctx, threads)
	if err != nil {
		return TimelinePage{}, err
	}
	page.Timelines = make([]Timeline, len(threads))
	for i, t := range threads {
		page.Timelines[i] = Timeline{Thread: t, Items: items[t.ID]}
	}
	return page, nil
}

// trimSharedMillisecond drops the trailing threads of a page that share a
// millisecond with next, the first thread of the following page.
func trimSharedMillisecond(page []Thread, next Thread) []Thread {
	ms := next.CreatedAt.Truncate(time.Millisecond)
	n := len(page)
	for n > 0 && page[n-1].CreatedAt.Truncate(time.Millisecond).Equal(ms) {
		n--
	}
	if n == 0 {
		return page // degenerate: a whole page in one millisecond
	}
	return page[:n]
}

func (s *Store) timelineThreads(ctx context.Context, userID string, before *time.Time, limit int) ([]Thread, error) {
	q := "SELECT " + threadColumns + " FROM threads WHERE user_id = ?"
	args := []any{userID}
	if before != nil {
		q += " AND created_at < ?"
		args = append(args, micros(*before))
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT ?"
	rows, err := s.reader().query(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list timeline threads: %w", mapErr(err))
	}
	defer rows.Close()
	var out []Thread
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// timelineVersion is a version as the timeline orders it.
type timelineVersion struct {
	id, threadID string
	created      int64
	images       []VersionImage // by position
	tasks        []MediaTask    // completed only, by creation
}

// timelineItems loads the media of threads, keyed by thread id.
func (s *Store) timelineItems(ctx context.Context, threads []Thread) (map[string][]TimelineItem, error) {
	threadIDs := make([]any, len(threads))
	for i, t := range threads {
		threadIDs[i] = t.ID
	}
	versions, err := s.timelineVersions(ctx, threadIDs)
	if err != nil || len(versions) == 0 {
		return nil, err
	}
	byID := make(map[string]*timelineVersion, len(versions))
	for _, v := range versions {
		byID[v.id] = v
	}
	if err := s.timelineTasks(ctx, threadIDs, byID); err != nil {
		return nil, err
	}
	files, err := s.timelineFiles(ctx, threadIDs)
	if err != nil {
		return nil, err
	}
	return assembleTimelines(versions, files), nil
}

// timelineFiles reads the registry rows of every image and task result of
// the threads in one query. The ids come from subqueries rather than an IN
// list built from the previous results, so the parameter count stays at
// three per thread however many items a thread has.
func (s *Store) timelineFiles(ctx context.Context, threadIDs []any) (map[string]File, error) {
	in := placeholders(len(threadIDs))
	tasks := `FROM media_tasks WHERE thread_id IN (` + in + `) AND version_id IS NOT NULL AND status = 'completed'`
	args := append(append(append([]any{}, threadIDs...), threadIDs...), threadIDs...)
	rows, err := s.reader().query(ctx, "SELECT "+fileColumns+` FROM files WHERE id IN (
		SELECT vi.image_id FROM version_images vi JOIN versions v ON v.id = vi.version_id
			WHERE v.thread_id IN (`+in+`)
		UNION ALL SELECT result_file_id `+tasks+`
		UNION ALL SELECT thumb_file_id `+tasks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("timeline files: %w", mapErr(err))
	}
	defer rows.Close()
	out := map[string]File{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		out[f.ID] = f
	}
	return out, rows.Err()
}

// timelineVersions reads the versions of threads with their images in one
// query (a version without images still matters for its tasks).
func (s *Store) timelineVersions(ctx context.Context, threadIDs []any) ([]*timelineVersion, error) {
	rows, err := s.reader().query(ctx, `SELECT v.id, v.thread_id, v.created_at, vi.image_id, vi.data
		FROM versions v LEFT JOIN version_images vi ON vi.version_id = v.id
		WHERE v.thread_id IN (`+placeholders(len(threadIDs))+`)
		ORDER BY v.created_at DESC, v.id DESC, vi.position`, threadIDs...)
	if err != nil {
		return nil, fmt.Errorf("timeline versions: %w", mapErr(err))
	}
	defer rows.Close()
	var out []*timelineVersion
	for rows.Next() {
		var id, threadID string
		var created int64
		var imageID, data *string
		if err := rows.Scan(&id, &threadID, &created, &imageID, &data); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].id != id {
			out = append(out, &timelineVersion{id: id, threadID: threadID, created: created})
		}
		if imageID != nil {
			v := out[len(out)-1]
			img := VersionImage{ImageID: *imageID}
			if data != nil {
				img.Data = []byte(*data)
			}
			v.images = append(v.images, img)
		}
	}
	return out, rows.Err()
}

// timelineTasks attaches the completed tasks of the threads' versions. A
// task counts only with a result file: "completed" without one is not
// something a client can play. Tasks are found by their own thread_id
// (index media_tasks_thread) and kept only when their version is one of
// the thread's, so placeholder tasks outside any version stay out.
func (s *Store) timelineTasks(ctx context.Context, threadIDs []any, versions map[string]*timelineVersion) error {
	rows, err := s.reader().query(ctx, "SELECT "+taskColumns+` FROM media_tasks
		WHERE thread_id IN (`+placeholders(len(threadIDs))+`) AND version_id IS NOT NULL
		AND status = 'completed' AND result_file_id IS NOT NULL
		ORDER BY created_at, id`, threadIDs...)
	if err != nil {
		return fmt.Errorf("timeline tasks: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return err
		}
		if v, ok := versions[t.VersionID]; ok {
			v.tasks = append(v.tasks, t)
		}
	}
	return rows.Err()
}

// assembleTimelines orders each thread's items newest version first and,
// inside one version, in the order the turn produced them (images by
// position, then tasks by creation). An image named by several versions
// appears once, at its newest place; images missing from the registry and
// tasks whose result file is gone are left out.
func assembleTimelines(versions []*timelineVersion, files map[string]File) map[string][]TimelineItem {
	// versions arrive newest first already; the stable sort only guards
	// that order against a future change of the query.
	sort.SliceStable(versions, func(i, j int) bool { return versions[i].created > versions[j].created })
	out := map[string][]TimelineItem{}
	seen := map[string]bool{}
	for _, v := range versions {
		for _, img := range v.images {
			f, ok := files[img.ImageID]
			if !ok || seen[v.threadID+" image "+img.ImageID] {
				continue
			}
			seen[v.threadID+" image "+img.ImageID] = true
			img.File = &f
			out[v.threadID] = append(out[v.threadID], TimelineItem{Kind: "image", VersionID: v.id, Image: &img})
		}
		for _, t := range v.tasks {
			result, ok := files[t.ResultFileID]
			if !ok || seen[v.threadID+" task "+t.ID] {
				continue
			}
			seen[v.threadID+" task "+t.ID] = true
			item := TimelineItem{Kind: t.Kind, VersionID: v.id, Task: &t, Result: &result}
			if thumb, ok := files[t.ThumbFileID]; ok {
				item.Thumb = &thumb
			}
			out[v.threadID] = append(out[v.threadID], item)
		}
	}
	return out
}
