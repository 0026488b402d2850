package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/store"
)

// taskEnv is a server plus a raw connection to its database, to set
// balances and read job ids no endpoint shows.
type taskEnv struct{ rawEnv }

func forEachTaskStore(t *testing.T, fn func(t *testing.T, e taskEnv)) {
	t.Helper()
	forEachRawStore(t, func(t *testing.T, r rawEnv) { fn(t, taskEnv{r}) })
}

// in is e for a subtest: its helpers fail t, not the parent test.
func (e taskEnv) in(t *testing.T) taskEnv {
	c := *e.env
	c.t = t
	return taskEnv{rawEnv{env: &c, raw: e.raw}}
}

// taskKind is one of the two route families and the media it takes.
type taskKind struct {
	kind, prefix string // store kind, route prefix
	list         string // the info response's field: videos, audios
	mediaID      string // the Video/Audio field of the result file: videoId, audioId
	thumbURL     string // thumbUrl, coverUrl
	name         string // an upload's file name
	data         []byte // an upload of this kind
}

// big is a file of n bytes starting with head (a sniffable signature).
func big(head string, n int) []byte {
	b := make([]byte, n)
	copy(b, head)
	for i := len(head); i < n; i++ {
		b[i] = byte(i * 7)
	}
	return b
}

var (
	videoKind = taskKind{kind: store.MediaVideo, prefix: "/video", list: "videos", mediaID: "videoId", thumbURL: "thumbUrl",
		name: "clip.mp4", data: big("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", 50_000)}
	audioKind = taskKind{kind: store.MediaAudio, prefix: "/music", list: "audios", mediaID: "audioId", thumbURL: "coverUrl",
		name: "song.wav", data: big("RIFF\x24\x00\x00\x00WAVEfmt ", 20_000)}
	taskKinds = []taskKind{videoKind, audioKind}
)

// other is the other family (the wrong kind for uploads and routes).
func (k taskKind) other() taskKind {
	if k.kind == store.MediaVideo {
		return audioKind
	}
	return videoKind
}

// member is a new user whose profile row exists.
func (e taskEnv) member() user {
	e.t.Helper()
	u := e.newUser()
	expect(e.t, e.do("GET", "/user/profile", u.Token, nil), 200)
	return u
}

// upload stores data through POST /upload and returns the file id.
func (e taskEnv) upload(u user, name string, data []byte) string {
	e.t.Helper()
	var out uploaded
	expect(e.t, e.uploadFile(u, name, data), 200).json(e.t, &out)
	return out.FileID
}

// storedFile registers bytes as u's file of kind and origin (a generated
// result, say) and returns its row.
func (e taskEnv) storedFile(u user, kind, origin, contentType, name string, data []byte) store.File {
	e.t.Helper()
	ctx := context.Background()
	id := "gen_" + uuid.NewString()
	key := blob.FileKey(u.ID, id, name)
	if _, err := e.api.Blobs.Put(ctx, key, bytes.NewReader(data), contentType); err != nil {
		e.t.Fatal(err)
	}
	f, err := e.store.CreateFile(ctx, store.File{ID: id, UserID: u.ID, Kind: kind, Origin: origin,
		ContentType: contentType, Size: int64(len(data)), StorageKey: key, Width: 64, Height: 64})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// task creates u's task of kind in status: pending through SaveVersion
// (with its job, as the agent does), any other without a job. Completed
// tasks get a generated result and thumbnail (cover) file.
func (e taskEnv) task(u user, k taskKind, status string) store.MediaTask {
	e.t.Helper()
	ctx := context.Background()
	if status == store.TaskPending {
		v, err := e.store.SaveVersion(ctx, u.ID, e.newThread(u, "make something"), "first", nil, []store.MediaTask{{
			ID: uuid.NewString(), Kind: k.kind, Status: status, Provider: "local", Prompt: "neon rain", Params: []byte(`{}`)}})
		if err != nil {
			e.t.Fatal(err)
		}
		t, err := e.store.GetTask(ctx, v.Tasks[0].ID)
		if err != nil {
			e.t.Fatal(err)
		}
		return t
	}
	t := store.MediaTask{ID: uuid.NewString(), UserID: u.ID, Kind: k.kind, Status: status, Provider: "local",
		Prompt: "neon rain", Params: []byte(`{"duration":5,"ratio":"16:9"}`)}
	if status == store.TaskCompleted {
		res := e.storedFile(u, k.kind, "generated", contentTypeOf(k), "original"+k.name[strings.LastIndexByte(k.name, '.'):], k.data)
		thumb := e.storedFile(u, "image", "generated", "image/png", "original.png", pngBytes(e.t, gradient(64, 64)))
		t.ResultFileID, t.ThumbFileID, t.Width, t.Height, t.DurationMS = res.ID, thumb.ID, 640, 360, 5000
	}
	t, err := e.store.CreateJoblessTask(ctx, t)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func contentTypeOf(k taskKind) string {
	if k.kind == store.MediaVideo {
		return "video/mp4"
	}
	return "audio/wav"
}

// rebind turns ? placeholders into $n on Postgres.
func (e taskEnv) rebind(q string) string {
	if e.store.Dialect() == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
	}
	return q
}

// setBalance sets u's plan and balances.
func (e taskEnv) setBalance(u user, plan string, credit, addon int) {
	e.t.Helper()
	if err := e.store.SetPlan(context.Background(), u.ID, plan); err != nil {
		e.t.Fatal(err)
	}
	e.exec("UPDATE profiles SET credit = ?, addon_credits = ? WHERE id = ?", credit, addon, u.ID)
}

// jobOf reads a task's River job id (0 for none) and whether that job row
// exists.
func (e taskEnv) jobOf(taskID string) (id int64, exists bool) {
	e.t.Helper()
	var job sql.NullInt64
	if err := e.raw.QueryRow(e.rebind("SELECT job_id FROM media_tasks WHERE id = ?"), taskID).Scan(&job); err != nil {
		e.t.Fatal(err)
	}
	if !job.Valid {
		return 0, false
	}
	var n int
	if err := e.raw.QueryRow(e.rebind("SELECT COUNT(*) FROM river_job WHERE id = ?"), job.Int64).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return job.Int64, n == 1
}

// taskJSON is a Video or Audio as clients read it.
type taskJSON map[string]any

func (t taskJSON) str(field string) string {
	s, _ := t[field].(string)
	return s
}

// getTask reads u's task through GET /{kind}/task/{id}.
func (e taskEnv) getTask(u user, k taskKind, id string) taskJSON {
	e.t.Helper()
	var out taskJSON
	expect(e.t, e.do("GET", k.prefix+"/task/"+id, u.Token, nil), 200).json(e.t, &out)
	return out
}
