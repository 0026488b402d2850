package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/tasks"
)

func TestTaskRoutesServeTheOwnerOnly(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		owner, stranger := e.member(), e.member()
		for _, k := range taskKinds {
			task := e.task(owner, k, store.TaskCompleted)
			got := e.getTask(owner, k, task.ID)
			if got.str("taskId") != task.ID || got.str("status") != "completed" || got.str(k.mediaID) != task.ResultFileID {
				t.Fatalf("%s: %v", k.kind, got)
			}
			if r := expect(t, e.fetch(got.str("url")), 200); !bytes.Equal(r.Body, k.data) {
				t.Fatalf("%s: url serves %d bytes, want the result", k.kind, len(r.Body))
			}
			expect(t, e.fetch(got.str(k.thumbURL)), 200)

			id := task.ID
			routes := []struct{ method, path string }{
				{"GET", k.prefix + "/task/" + id},
				{"POST", k.prefix + "/submit/" + id},
				{"DELETE", k.prefix + "/upload/" + id},
				{"GET", k.other().prefix + "/task/" + id}, // the owner, but the other kind's route
			}
			for _, rt := range routes {
				caller := stranger
				if strings.HasPrefix(rt.path, k.other().prefix) {
					caller = owner
				}
				expect(t, e.do(rt.method, rt.path, caller.Token, nil), 404)
				expect(t, e.do(rt.method, rt.path, "", nil), 401)
			}
			var list map[string][]taskJSON
			expect(t, e.do("GET", k.prefix+"/info/"+id, stranger.Token, nil), 200).json(t, &list)
			if len(list[k.list]) != 0 {
				t.Fatalf("%s: a stranger's info lists %v", k.kind, list)
			}
			if st, _ := e.store.TaskStatus(context.Background(), id); st != store.TaskCompleted {
				t.Fatalf("%s: status %s after the strangers' calls", k.kind, st)
			}
			expect(t, e.fetch(got.str("url")), 200) // the stranger's DELETE removed nothing
		}
	})
}

func TestTaskInfoListsTheCallersTasksInOrder(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u, other := e.member(), e.member()
		for _, k := range taskKinds {
			a, b := e.task(u, k, store.TaskCompleted), e.task(u, k, store.TaskFailed)
			foreign, otherKind := e.task(other, k, store.TaskCompleted), e.task(u, k.other(), store.TaskFailed)
			ids := []string{b.ID, foreign.ID, uuid.NewString(), otherKind.ID, a.ID, b.ID}
			var list map[string][]taskJSON
			expect(t, e.do("GET", k.prefix+"/info/"+strings.Join(ids, ","), u.Token, nil), 200).json(t, &list)
			got := list[k.list]
			if len(got) != 2 || got[0].str("taskId") != b.ID || got[1].str("taskId") != a.ID {
				t.Fatalf("%s: listed %v, want [%s %s]", k.kind, got, b.ID, a.ID)
			}
			if got[1].str("url") == "" || got[1].str(k.thumbURL) == "" || got[0].str("url") != "" {
				t.Fatalf("%s: urls %v", k.kind, got)
			}
		}
	})
}

func TestTaskRoutesRefuseMalformedIDs(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u := e.member()
		many := func(n int) string {
			ids := make([]string, n)
			for i := range ids {
				ids[i] = uuid.NewString()
			}
			return strings.Join(ids, ",")
		}
		for _, k := range taskKinds {
			expect(t, e.do("GET", k.prefix+"/info/"+many(100), u.Token, nil), 200)
			cases := []struct{ name, method, path, want string }{
				{"101 ids", "GET", k.prefix + "/info/" + many(101), "at most 100"},
				{"one malformed id", "GET", k.prefix + "/info/" + uuid.NewString() + ",nope", "must be a UUID"},
				{"an empty id", "GET", k.prefix + "/info/" + uuid.NewString() + ",", "must be a UUID"},
				{"a malformed id", "GET", k.prefix + "/info/12345", "must be a UUID"},
				{"task", "GET", k.prefix + "/task/not-a-uuid", "taskId"},
				{"submit", "POST", k.prefix + "/submit/not-a-uuid", "taskId"},
				{"upload", "DELETE", k.prefix + "/upload/" + strings.ToUpper(uuid.NewString())[:35], "taskId"},
			}
			for _, c := range cases {
				t.Run(k.kind+" "+c.name, func(t *testing.T) {
					expectError(t, e.in(t).bad(c.method, c.path, u.Token, nil), 400, c.want)
				})
			}
		}
	})
}

func TestSubmitTask(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		cases := []struct {
			name          string
			kind          taskKind
			status        string
			plan          string
			credit, addon int
			want          string // "success", an error code for 200, or "invalid_status" for 400
		}{
			{"pending", videoKind, store.TaskPending, "pro", 100, 0, "invalid_status"},
			{"completed", videoKind, store.TaskCompleted, "pro", 100, 0, "invalid_status"},
			{"failed music", audioKind, store.TaskFailed, "pro", 100, 0, "invalid_status"},
			{"cancelled music", audioKind, store.TaskCancelled, "free", 100, 0, "invalid_status"},
			{"video on the free plan", videoKind, store.TaskInsufficientPlan, "free", 100, 0, "insufficient_plan"},
			{"plan before credits", videoKind, store.TaskInsufficientCredits, "free", 0, 0, "insufficient_plan"},
			{"video short of credit", videoKind, store.TaskInsufficientCredits, "pro", 59, 0, "insufficient_credits"},
			{"music short of credit", audioKind, store.TaskInsufficientCredits, "free", 20, 4, "insufficient_credits"},
			{"video now eligible", videoKind, store.TaskInsufficientPlan, "pro", 100, 0, "success"},
			{"addon credits count", videoKind, store.TaskInsufficientCredits, "basic", 30, 30, "success"},
			{"music needs no paid plan", audioKind, store.TaskInsufficientCredits, "free", 25, 0, "success"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := e.in(t)
				u := e.member()
				// The balance first: a pending task has a job, and the test
				// server's workers gate it on the plan and credits at once (it
				// then is processing or completed: still not submittable).
				e.setBalance(u, c.plan, c.credit, c.addon)
				task := e.task(u, c.kind, c.status)
				jobBefore, _ := e.jobOf(task.ID)
				path := c.kind.prefix + "/submit/" + task.ID
				switch c.want {
				case "invalid_status":
					expectCode(t, expect(t, e.do("POST", path, u.Token, nil), 400), "invalid_status")
					st, _ := e.store.TaskStatus(context.Background(), task.ID)
					// A pending task's worker moves it on by itself; the
					// refused submit changes nothing else.
					movedOn := c.status == store.TaskPending && (st == store.TaskProcessing || st == store.TaskCompleted)
					if st != c.status && !movedOn {
						t.Fatalf("status %s after a refused submit, want %s", st, c.status)
					}
				case "success":
					e.expectQueued(u, c.kind, task.ID, jobBefore)
				default:
					var body map[string]any
					expect(t, e.do("POST", path, u.Token, nil), 200).json(t, &body)
					if len(body) != 1 || body["error"] != c.want {
						t.Fatalf("body %v, want {error: %s}", body, c.want)
					}
					if st, _ := e.store.TaskStatus(context.Background(), task.ID); st != c.status {
						t.Fatalf("status %s after an ineligible submit, want it unchanged (%s)", st, c.status)
					}
					if job, _ := e.jobOf(task.ID); job != jobBefore {
						t.Fatalf("job %d after an ineligible submit, want none", job)
					}
				}
			})
		}
	})
}

// expectQueued submits an eligible task and checks it was queued: a fresh
// job that exists, the task out of insufficient_*, nothing charged yet by
// the route itself, and a second submit refused as invalid_status.
func (e taskEnv) expectQueued(u user, k taskKind, taskID string, jobBefore int64) {
	t := e.t
	t.Helper()
	before, err := e.store.GetProfile(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	expect(t, e.do("POST", k.prefix+"/submit/"+taskID, u.Token, nil), 200).json(t, &body)
	if len(body) != 1 || body["success"] != true {
		t.Fatalf("body %v, want {success: true}", body)
	}
	job, exists := e.jobOf(taskID)
	if job == 0 || job == jobBefore || !exists {
		t.Fatalf("job %d (exists %v), want a new job", job, exists)
	}
	// Pending now; the test server's workers take it on at once. Whatever
	// it reached, the credits moved by nothing (the submit itself never
	// charges) or by exactly one charge (the worker's).
	st, _ := e.store.TaskStatus(context.Background(), taskID)
	after, _ := e.store.GetProfile(context.Background(), u.ID)
	cost := tasks.MusicCost
	if k.kind == store.MediaVideo {
		cost = tasks.VideoCost
	}
	if spent := before.Credit + before.AddonCredits - after.Credit - after.AddonCredits; spent != 0 && spent != cost {
		t.Fatalf("credits moved by %d around the submit (status %s), want 0 or one charge of %d", spent, st, cost)
	}
	if st == store.TaskPending || st == store.TaskProcessing || st == store.TaskCompleted {
		expectCode(t, expect(t, e.do("POST", k.prefix+"/submit/"+taskID, u.Token, nil), 400), "invalid_status")
		return
	}
	t.Fatalf("status %s after submit, want pending (or on its way)", st)
}

// expectCode checks an error body's machine code and that it has a message.
func expectCode(t *testing.T, r response, code string) {
	t.Helper()
	var body struct{ Message, Error string }
	r.json(t, &body)
	if body.Error != code || body.Message == "" {
		t.Fatalf("body %s, want error %q with a message", r.Body, code)
	}
}

func TestInitializeTaskFromAnUpload(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u := e.member()
		thread := e.newThread(u, "my clips")
		for _, k := range taskKinds {
			fileID := e.upload(u, k.name, k.data)
			r := expect(t, e.do("POST", k.prefix+"/initialize", u.Token, map[string]any{"threadId": thread, "fileId": fileID}), 201)
			var got taskJSON
			r.json(t, &got)
			if got.str("status") != "completed" || got.str("provider") != "upload" || got.str(k.mediaID) != fileID {
				t.Fatalf("%s: %v", k.kind, got)
			}
			if body := expect(t, e.fetch(got.str("url")), 200).Body; !bytes.Equal(body, k.data) {
				t.Fatalf("%s: url serves %d bytes, want the upload", k.kind, len(body))
			}
			id := got.str("taskId")
			if job, _ := e.jobOf(id); job != 0 {
				t.Fatalf("%s: placeholder has job %d", k.kind, job)
			}
			stored, err := e.store.UserTask(context.Background(), u.ID, k.kind, id)
			if err != nil || stored.ThreadID != thread || stored.ResultFileID != fileID {
				t.Fatalf("%s: stored %+v %v", k.kind, stored, err)
			}
			if again := e.getTask(u, k, id); again.str("url") == "" || again.str(k.mediaID) != fileID {
				t.Fatalf("%s: GET answers %v", k.kind, again)
			}
		}
	})
}

func TestInitializeVideoFromASourceImage(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u := e.member()
		img := e.uploadImage(u, gradient(80, 60))
		var got taskJSON
		expect(t, e.do("POST", "/video/initialize", u.Token, map[string]any{"threadId": e.newThread(u, "hi"),
			"sourceImageId": img.FileID}), 201).json(t, &got)
		if got.str("status") != "completed" || got.str("sourceImageId") != img.FileID || got.str("url") != "" || got["videoId"] != nil {
			t.Fatalf("placeholder %v", got)
		}
	})
}

// initCase is a refused initialize request and how it is refused.
type initCase struct {
	name   string
	body   map[string]any
	status int
	want   string // in the message
}

func TestInitializeTaskRefusesOthersAndWrongFiles(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u, other := e.member(), e.member()
		thread, othersThread := e.newThread(u, "mine"), e.newThread(other, "theirs")
		image := e.uploadImage(u, gradient(40, 30)).FileID
		othersImage := e.uploadImage(other, gradient(40, 30)).FileID
		for _, k := range taskKinds {
			mine := e.upload(u, k.name, k.data)
			wrongKind := e.upload(u, k.other().name, k.other().data)
			othersFile := e.upload(other, k.name, k.data)
			generated := e.storedFile(u, k.kind, "generated", contentTypeOf(k), "original.bin", k.data).ID
			cases := []initCase{
				{"another user's file", map[string]any{"threadId": thread, "fileId": othersFile}, 404, "fileId"},
				{"an unknown file", map[string]any{"threadId": thread, "fileId": "insert_" + uuid.NewString()}, 404, "fileId"},
				{"a file of the other kind", map[string]any{"threadId": thread, "fileId": wrongKind}, 400, "fileId"},
				{"an image", map[string]any{"threadId": thread, "fileId": image}, 400, "fileId"},
				{"a generated result", map[string]any{"threadId": thread, "fileId": generated}, 400, "POST /upload"},
				{"an unknown thread", map[string]any{"threadId": uuid.NewString(), "fileId": mine}, 404, "thread"},
				{"another user's thread", map[string]any{"threadId": othersThread, "fileId": mine}, 404, "thread"},
				{"no thread", map[string]any{"fileId": mine}, 400, "threadId"},
				{"a malformed thread", map[string]any{"threadId": "x", "fileId": mine}, 400, "threadId"},
				{"a malformed file id", map[string]any{"threadId": thread, "fileId": "a/b"}, 400, "fileId"},
				{"nothing to stand for", map[string]any{"threadId": thread}, 400, "fileId"},
				{"a wrongly typed file id", map[string]any{"threadId": thread, "fileId": 7}, 400, "fileId"},
			}
			if k.kind == store.MediaVideo {
				cases = append(cases,
					initCase{"another user's source image", map[string]any{"threadId": thread, "sourceImageId": othersImage}, 404, "sourceImageId"},
					initCase{"a source image that is a video", map[string]any{"threadId": thread, "sourceImageId": mine}, 400, "sourceImageId"})
			}
			for _, c := range cases {
				t.Run(k.kind+" "+c.name, func(t *testing.T) {
					expectError(t, e.in(t).bad("POST", k.prefix+"/initialize", u.Token, c.body), c.status, c.want)
				})
			}
		}
		var n int
		if err := e.raw.QueryRow(e.rebind("SELECT COUNT(*) FROM media_tasks WHERE user_id = ?"), u.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d tasks created by refused requests (%v)", n, err)
		}
	})
}

func TestDeleteUploadRemovesThePlaceholdersMedia(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u := e.member()
		thread := e.newThread(u, "clips")
		for _, k := range taskKinds {
			fileID := e.upload(u, k.name, k.data)
			var placeholder taskJSON
			expect(t, e.do("POST", k.prefix+"/initialize", u.Token, map[string]any{"threadId": thread, "fileId": fileID}), 201).json(t, &placeholder)
			id, url := placeholder.str("taskId"), placeholder.str("url")
			for range 2 { // a repeated delete answers the same
				var ok map[string]string
				expect(t, e.do("DELETE", k.prefix+"/upload/"+id, u.Token, nil), 200).json(t, &ok)
				if ok["message"] != "ok" {
					t.Fatalf("%s: body %v", k.kind, ok)
				}
			}
			if _, err := e.store.GetFile(context.Background(), fileID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s: the uploaded file remains (%v)", k.kind, err)
			}
			expect(t, e.fetch(url), 404)
			got := e.getTask(u, k, id)
			if got.str("status") != "cancelled" || got.str("url") != "" || got[k.mediaID] != nil {
				t.Fatalf("%s: after delete %v", k.kind, got)
			}
		}
	})
}

func TestDeleteUploadRefusesGeneratedAndOthersTasks(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u, other := e.member(), e.member()
		for _, k := range taskKinds {
			generated := e.task(u, k, store.TaskCompleted)
			expectError(t, e.do("DELETE", k.prefix+"/upload/"+generated.ID, u.Token, nil), 400, "not an upload placeholder")

			fileID := e.upload(other, k.name, k.data)
			var theirs taskJSON
			expect(t, e.do("POST", k.prefix+"/initialize", other.Token, map[string]any{
				"threadId": e.newThread(other, "theirs"), "fileId": fileID}), 201).json(t, &theirs)
			expect(t, e.do("DELETE", k.prefix+"/upload/"+theirs.str("taskId"), u.Token, nil), 404)
			expect(t, e.do("DELETE", k.prefix+"/upload/"+uuid.NewString(), u.Token, nil), 404)

			for _, id := range []string{generated.ResultFileID, generated.ThumbFileID, fileID} {
				if _, err := e.store.GetFile(context.Background(), id); err != nil {
					t.Fatalf("%s: file %s gone after a refused delete: %v", k.kind, id, err)
				}
			}
			expect(t, e.fetch(e.getTask(u, k, generated.ID).str("url")), 200)
		}
	})
}

// A placeholder row is no authority over files: one naming another user's
// file (no endpoint makes such a row) leaves that file alone.
func TestDeleteUploadNeverDeletesAnotherUsersFile(t *testing.T) {
	t.Parallel()
	forEachTaskStore(t, func(t *testing.T, e taskEnv) {
		u, other := e.member(), e.member()
		theirs := e.upload(other, videoKind.name, videoKind.data)
		task, err := e.store.CreateJoblessTask(context.Background(), store.MediaTask{ID: uuid.NewString(), UserID: u.ID,
			Kind: store.MediaVideo, Status: store.TaskCompleted, Provider: store.TaskProviderUpload, ResultFileID: theirs})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, e.do("DELETE", "/video/upload/"+task.ID, u.Token, nil), 200)
		f, err := e.store.GetFile(context.Background(), theirs)
		if err != nil {
			t.Fatalf("the other user's file is gone: %v", err)
		}
		expect(t, e.fetch(e.api.Blobs.URL(f.StorageKey)), 200)
		if got := e.getTask(u, videoKind, task.ID); got.str("status") != "cancelled" || got["videoId"] != nil {
			t.Fatalf("placeholder after delete %v", got)
		}
	})
}
