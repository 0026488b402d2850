package seed

import (
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/view"
)

// versionPlan is one assistant turn to generate: its kind, how many
// images it makes, and how many of its outputs get published.
type versionPlan struct {
	kind    string // image, video, audio
	images  int
	publish int
	failed  bool // a video or song that failed: no result, never published
}

// userContent generates a user's threads and, inside them, the turns
// that produced the user's posts.
func (w *world) userContent(b *store.BulkRows, u *userInfo) (posts, likes int) {
	queues := make([][]string, w.opt.ThreadsPerUser)
	for range u.posts {
		t := w.r.IntN(len(queues))
		queues[t] = append(queues[t], w.postKind())
	}
	for _, q := range queues {
		p, l := w.thread(b, u, q)
		posts, likes = posts+p, likes+l
	}
	return posts, likes
}

// plan turns the kinds of a thread's posts into turns, adding a few turns
// nobody published, and shuffles them.
func (w *world) plan(kinds []string) []versionPlan {
	var out []versionPlan
	pending := 0
	for _, k := range kinds {
		switch k {
		case store.MediaImage:
			pending++
		default:
			out = append(out, versionPlan{kind: k, publish: 1})
		}
	}
	for pending > 0 {
		n := 1 + w.r.IntN(4)
		pub := min(pending, 1+w.r.IntN(n))
		out = append(out, versionPlan{kind: store.MediaImage, images: n, publish: pub})
		pending -= pub
	}
	extra := w.r.IntN(3)
	if len(out) == 0 {
		extra++
	}
	for range extra {
		switch x := w.r.Float64(); {
		case x < 0.85:
			out = append(out, versionPlan{kind: store.MediaImage, images: 1 + w.r.IntN(4)})
		case x < 0.95:
			out = append(out, versionPlan{kind: store.MediaVideo, failed: chance(w.r, 0.3)})
		default:
			out = append(out, versionPlan{kind: store.MediaAudio, failed: chance(w.r, 0.3)})
		}
	}
	w.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// turn is the state of a thread while its turns are generated.
type turn struct {
	u                   *userInfo
	threadID, versionID string
	userMsg, asstMsg    string
	at                  int64 // the assistant message's time
	lastImage           string
	theme               prompt
}

// thread generates one thread; it returns the posts and likes it made.
func (w *world) thread(b *store.BulkRows, u *userInfo, kinds []string) (posts, likes int) {
	plans := w.plan(kinds)
	t := turn{u: u, threadID: newUUID(w.r), theme: newPrompt(w.r)}
	t0 := between(w.r, u.created, w.end-60*minute)
	gaps := make([]int64, len(plans))
	var total int64
	for i := range gaps {
		gaps[i] = between(w.r, 1*minute, 8*60*minute)
		total += gaps[i]
	}
	if room := w.end - 2*minute - t0; total > room { // squeeze late threads into the time left
		for i := range gaps {
			gaps[i] = max(1, gaps[i]*room/total)
		}
	}
	userAt := t0
	for i, p := range plans {
		if i > 0 {
			userAt += gaps[i]
		}
		t.userMsg, t.asstMsg, t.versionID = messageID(w.r), messageID(w.r), newUUID(w.r)
		t.at = userAt + between(w.r, 10_000_000, 90_000_000)
		var text string
		var tool toolPart
		var published []published
		switch p.kind {
		case store.MediaImage:
			text, tool, published = w.imageTurn(b, &t, p, i == 0)
		case store.MediaVideo:
			text, tool, published = w.videoTurn(b, &t, p)
		default:
			text, tool, published = w.songTurn(b, &t, p)
		}
		b.Messages = append(b.Messages, store.Message{ThreadID: t.threadID, ID: t.userMsg, UserID: u.id, Role: "user",
			Body: mustJSON(map[string]any{"id": t.userMsg, "role": "user",
				"parts": []any{map[string]any{"type": "text", "text": text}}}),
			Format: store.FormatV5, CreatedAt: at(userAt), UpdatedAt: at(userAt)})
		b.Messages = append(b.Messages, store.Message{ThreadID: t.threadID, ID: t.asstMsg, UserID: u.id,
			Role: "assistant", Body: mustJSON(map[string]any{"id": t.asstMsg, "role": "assistant",
				"parts": []any{map[string]any{"type": "text", "text": pick(w.r, assistantOpeners)}, tool}}),
			Format: store.FormatV5, CreatedAt: at(t.at), UpdatedAt: at(t.at)})
		b.Versions = append(b.Versions, store.Version{ID: t.versionID, UserID: u.id, ThreadID: t.threadID,
			MessageID: t.asstMsg, CreatedAt: at(t.at)})
		for _, pub := range published {
			likes += w.post(b, &t, pub)
			posts++
		}
	}
	b.Threads = append(b.Threads, store.Thread{ID: t.threadID, UserID: u.id, Title: t.theme.title(),
		TitleSource: "model", ThumbImageID: t.lastImage, CreatedAt: at(t0), UpdatedAt: at(t.at)})
	return posts, likes
}

// published is an output of a turn that becomes a post. publicKey is the
// blob of its public copy: seeded posts share the pool's files (deleting a
// seeded post or image therefore removes a file other seeded rows show;
// seeded data is for demos and benchmarks).
type published struct {
	kind, imageID, taskID, originImageID, prompt, publicKey string
}

// toolPart is a finished tool call in an assistant message (STREAMING.md);
// its output is the API shape the agent's tool returns (internal/view).
type toolPart struct {
	Type       string         `json:"type"`
	ToolCallID string         `json:"toolCallId"`
	State      string         `json:"state"`
	Input      map[string]any `json:"input"` // the model's arguments
	Output     any            `json:"output"`
}

func (w *world) imageTurn(b *store.BulkRows, t *turn, p versionPlan, first bool) (string, toolPart, []published) {
	pr := t.theme
	if !first { // later turns iterate on the theme in another style
		pr.style, pr.mood = pick(w.r, styles), pick(w.r, moods)
	}
	call := "call_" + messageID(w.r)
	ratio := pick(w.r, ratios)
	var images []view.Image
	var out []published
	for k := range p.images {
		id := "gen_" + newUUID(w.r)
		img := w.r.IntN(len(w.pool.images))
		pi := w.pool.images[img]
		f := w.imageFile(b, id, t.u.id, "gen", img, t.at, pr.String(), call, "generateImage", k < p.publish)
		desc := view.ImageDescription{ImageID: id, ToolCallID: call, ToolName: "generateImage", Seed: &pi.seed,
			Prompt: pr.String()}
		b.VersionImages = append(b.VersionImages, store.BulkVersionImage{VersionID: t.versionID, Position: k,
			VersionImage: store.VersionImage{ImageID: id, Data: mustJSON(desc)}})
		images = append(images, w.views.Image(f))
		if k < p.publish {
			out = append(out, published{kind: store.MediaImage, imageID: id, originImageID: id, prompt: pr.String(),
				publicKey: pi.key})
		}
		t.lastImage = id
	}
	tool := toolPart{Type: "tool-generateImage", ToolCallID: call, State: "output-available",
		Input:  map[string]any{"prompt": pr.String(), "ratio": ratio, "count": p.images},
		Output: view.ImageList{Images: images}}
	return pr.String(), tool, out
}

func (w *world) videoTurn(b *store.BulkRows, t *turn, p versionPlan) (string, toolPart, []published) {
	ask := pick(w.r, videoAsks)
	clip := w.pool.videos[w.r.IntN(len(w.pool.videos))]
	ratio := ratioOf(clip.width, clip.height)
	params := map[string]any{"duration": 5, "ratio": ratio}
	taskID := newUUID(w.r)
	w.task(b, t, taskID, store.MediaVideo, ask, params, t.lastImage, clip, p)
	pending := store.MediaTask{ID: taskID, Kind: store.MediaVideo, Status: "pending", Provider: "local", Prompt: ask,
		Params: mustJSON(params), SourceImageID: t.lastImage, CreatedAt: at(t.at)}
	tool := toolPart{Type: "tool-generateVideo", ToolCallID: "call_" + messageID(w.r), State: "output-available",
		Input: map[string]any{"prompt": ask, "duration": 5, "ratio": ratio}, Output: w.views.ToolOutput(pending)}
	if p.publish == 0 || p.failed {
		return ask, tool, nil
	}
	return ask, tool, []published{{kind: store.MediaVideo, taskID: taskID, originImageID: t.lastImage, prompt: ask,
		publicKey: clip.key}}
}

func (w *world) songTurn(b *store.BulkRows, t *turn, p versionPlan) (string, toolPart, []published) {
	ask := pick(w.r, musicAsks)
	clip := w.pool.audios[w.r.IntN(len(w.pool.audios))]
	params := map[string]any{"lyrics": pick(w.r, lyricLines), "style": pick(w.r, songStyles),
		"title": t.theme.title(), "instrumental": chance(w.r, 0.3)}
	taskID := newUUID(w.r)
	w.task(b, t, taskID, store.MediaAudio, ask, params, "", clip, p)
	pending := store.MediaTask{ID: taskID, Kind: store.MediaAudio, Status: "pending", Provider: "local", Prompt: ask,
		Params: mustJSON(params), CreatedAt: at(t.at)}
	tool := toolPart{Type: "tool-generateMusic", ToolCallID: "call_" + messageID(w.r), State: "output-available",
		Input:  map[string]any{"prompt": ask, "lyrics": params["lyrics"], "style": params["style"]},
		Output: w.views.ToolOutput(pending)}
	if p.publish == 0 || p.failed {
		return ask, tool, nil
	}
	return ask, tool, []published{{kind: store.MediaAudio, taskID: taskID, prompt: ask, publicKey: clip.key}}
}

// task writes a finished media task: completed with its result file and
// thumbnail (video) or cover (song), or failed without either.
func (w *world) task(b *store.BulkRows, t *turn, id, kind, prompt string, params map[string]any, source string, clip poolClip, p versionPlan) {
	started := min(w.end, t.at+2_000_000)
	finished := between(w.r, min(w.end, started+30_000_000), min(w.end, started+180_000_000))
	task := store.MediaTask{ID: id, UserID: t.u.id, ThreadID: t.threadID, VersionID: t.versionID, MessageID: t.asstMsg,
		Kind: kind, Status: "completed", Provider: "local", Prompt: prompt, Params: mustJSON(params),
		SourceImageID: source, CreatedAt: at(t.at), UpdatedAt: at(finished)}
	if p.failed {
		task.Status, task.ErrorMessage = "failed", pick(w.r, []string{"provider timed out", "generation failed, credits refunded"})
	} else {
		resultID, thumbID := "gen_"+newUUID(w.r), "gen_"+newUUID(w.r)
		w.clipFile(b, resultID, t.u.id, kind, clip, finished, p.publish > 0)
		w.imageFile(b, thumbID, t.u.id, "gen", clip.poster, finished, "", "", "", false)
		task.ResultFileID, task.ThumbFileID, task.DurationMS = resultID, thumbID, clip.durationMS
		if kind == store.MediaVideo {
			task.Width, task.Height, task.Blurhash = clip.width, clip.height, w.pool.images[clip.poster].blurhash
		}
	}
	startedAt, finishedAt := at(started), at(finished)
	b.Tasks = append(b.Tasks, store.BulkTask{MediaTask: task, StartedAt: &startedAt, FinishedAt: &finishedAt})
}

// post publishes an output: the feed row and its likes (liked_number is
// the number of like rows written, so the two always agree).
func (w *world) post(b *store.BulkRows, t *turn, p published) int {
	id := newUUID(w.r)
	// Drawn inside [turn, end] rather than clamped to end: clamping piles
	// the latest posts onto one timestamp.
	created := between(w.r, min(w.end, t.at+minute), min(w.end, t.at+3*day))
	var flags []string
	switch {
	case t.u.banned:
		flags = []string{store.FlagBan}
	case chance(w.r, shareHidden):
		flags = []string{pick(w.r, []string{store.FlagDuplicate, store.FlagDuplicate, store.FlagNSFW})}
	}
	public := len(flags) == 0
	featured := public && p.kind == store.MediaImage && chance(w.r, w.featureP)
	var likers []string
	if public {
		likers = w.likers(t.u.id, likesFor(w.r, w.opt.LikesMean))
	}
	b.Feeds = append(b.Feeds, store.Feed{ID: id, UserID: t.u.id, MediaKind: p.kind, ImageID: p.imageID, TaskID: p.taskID,
		OriginImageID: p.originImageID, ThreadID: t.threadID, MessageID: t.asstMsg, PublicKey: p.publicKey,
		Prompt: p.prompt, Flags: flags, Public: public, Featured: featured, LikedNumber: len(likers),
		CreatedAt: at(created), UpdatedAt: at(created)})
	for _, l := range likers {
		b.Likes = append(b.Likes, store.Like{FeedID: id, UserID: l, CreatedAt: at(between(w.r, created, w.end))})
	}
	return len(likers)
}

// likers picks k distinct users other than the owner.
func (w *world) likers(owner string, k int) []string {
	n := len(w.users)
	k = min(k, n-1)
	if k <= 0 {
		return nil
	}
	out := make([]string, 0, k)
	if 2*k > n { // small populations: a permutation avoids long rejection loops
		for _, i := range w.r.Perm(n) {
			if len(out) < k && w.users[i].id != owner {
				out = append(out, w.users[i].id)
			}
		}
		return out
	}
	seen := make(map[int]bool, k)
	for len(out) < k {
		i := w.r.IntN(n)
		if !seen[i] && w.users[i].id != owner {
			seen[i] = true
			out = append(out, w.users[i].id)
		}
	}
	return out
}

// ratioOf names the aspect ratio of a clip the way the video tool does.
func ratioOf(w, h int) string {
	switch {
	case w > h:
		return "16:9"
	case w < h:
		return "9:16"
	}
	return "1:1"
}
