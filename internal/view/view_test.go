package view

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/store"
)

var sg signer

// signer signs by naming the key, so tests can see which key a URL is of.
type signer struct{}

func (signer) URL(key string) string { return "https://files.test/" + key + "?sig=x" }

func TestTimeMatchesLayout(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		time.Date(2026, 11, 27, 5, 31, 56, 123456789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", 3600)),
		time.Unix(0, 0),
	} {
		if got, want := Time(tm), tm.UTC().Format("2006-01-02T15:04:05.000Z"); got != want {
			t.Errorf("Time(%v) = %s, want %s", tm, got, want)
		}
	}
}

func FuzzTime(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(1_795_000_000), int64(999_999_999))
	f.Add(int64(-62_135_596_800), int64(1))
	f.Add(int64(253_402_300_800), int64(5))
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec, nsec%1e9)
		if got, want := Time(tm), tm.UTC().Format("2006-01-02T15:04:05.000Z"); got != want {
			t.Fatalf("Time(%d, %d) = %s, want %s", sec, nsec, got, want)
		}
	})
}

func FuzzTaskParams(f *testing.F) {
	f.Add([]byte(`{"duration":5,"ratio":"16:9"}`))
	f.Add([]byte(`{"duration":"ten","ratio":7,"lyrics":"la","instrumental":true}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"duration":-3}`))
	c := New(signer{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, kind := range []string{store.MediaVideo, store.MediaAudio} {
			m := c.Task(store.MediaTask{ID: "t", Kind: kind, Status: "pending", Provider: "local", Params: raw}, MediaKeys{})
			b, err := json.Marshal(m.Video)
			if m.Audio != nil {
				b, err = json.Marshal(m.Audio)
			}
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if d, ok := back["duration"].(float64); ok && d < 0 {
				t.Fatalf("negative duration from %q", raw)
			}
			if r, ok := back["ratio"].(string); ok && !validRatios[r] {
				t.Fatalf("ratio %q from %q", r, raw)
			}
		}
	})
}

func TestFeedImagePostUsesPublicCopy(t *testing.T) {
	t.Parallel()
	c := New(signer{})
	row := store.FeedRow{Feed: store.Feed{ID: "f1", UserID: "u1", MediaKind: store.MediaImage, ImageID: "img",
		PublicKey: "public/f1.png", Flags: []string{}, CreatedAt: time.Unix(1, 0)},
		Owner: store.FeedRowOwner{Nickname: "neo", Plan: "pro", AvatarKey: "u1/av/thumb.jpg", Found: true},
		Image: &store.File{ID: "img", StorageKey: "u1/img/original.png", ThumbKey: "u1/img/thumb.jpg", Width: 3, Height: 2}}
	v := c.Feed(&row, "")
	if v.Image == nil || v.Image.URL != sg.URL("public/f1.png") || v.Image.ThumbURL != sg.URL("u1/img/thumb.jpg") {
		t.Fatalf("image %+v", v.Image)
	}
	if v.Image.BlurURL != v.Image.ThumbURL {
		t.Errorf("blur falls back to the thumbnail, got %s", v.Image.BlurURL)
	}
	if v.MediaType != nil || v.Flag != nil || v.Owner.AvatarURL == nil || *v.Owner.AvatarURL != sg.URL("u1/av/thumb.jpg") {
		t.Errorf("feed %+v", v)
	}
	if owner := c.Feed(&row, "u1"); owner.Flag == nil || len(*owner.Flag) != 0 {
		t.Errorf("the owner sees flags ([]), got %v", owner.Flag)
	}
	row.Image = nil // the source file was deleted: the post keeps its copy
	if v := c.Feed(&row, ""); v.Image.URL != v.Image.ThumbURL || !strings.Contains(v.Image.URL, "public/f1.png") {
		t.Errorf("without the file every URL is the public copy: %+v", v.Image)
	}
}

func TestFeedTaskPost(t *testing.T) {
	t.Parallel()
	c := New(signer{})
	row := store.FeedRow{Feed: store.Feed{ID: "f2", UserID: "u1", MediaKind: store.MediaAudio, TaskID: "t1",
		PublicKey: "public/f2.wav", Flags: []string{}},
		Task: &store.MediaTask{ID: "t1", Kind: store.MediaAudio, Status: "completed", Provider: "local",
			Params: []byte(`{"lyrics":"la la","instrumental":false}`), ResultFileID: "a1", ThumbFileID: "c1", DurationMS: 1500},
		TaskThumbKey: "u1/c1/thumb.jpg"}
	v := c.Feed(&row, "")
	if v.MediaType == nil || *v.MediaType != "audio" || v.Audio == nil || v.Image != nil {
		t.Fatalf("feed %+v", v)
	}
	a := v.Audio
	if a.URL != sg.URL("public/f2.wav") || a.CoverURL != sg.URL("u1/c1/thumb.jpg") || a.Lyrics != "la la" ||
		a.Duration == nil || *a.Duration != 1.5 || a.AudioID != "a1" || a.Instrumental == nil || *a.Instrumental {
		t.Errorf("audio %+v", a)
	}
	if v.Owner.Plan != "free" || v.Owner.AvatarURL != nil {
		t.Errorf("a missing profile shows as a free user without avatar: %+v", v.Owner)
	}
	row.Task = nil
	if v := c.Feed(&row, ""); v.Audio.Status != "completed" || v.Audio.TaskID != "t1" || v.Audio.URL == "" {
		t.Errorf("a post outlives its task row: %+v", v.Audio)
	}
}

func TestMediaItemJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal([]MediaItem{{Type: "image", Image: &Image{ImageID: "i"}}, {Type: "video", Video: &Video{TaskID: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got[0].Type != "image" || got[0].Data["imageId"] != "i" || got[1].Data["taskId"] != "v" {
		t.Errorf("%s", b)
	}
}
