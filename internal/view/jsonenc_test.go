package view

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/store"
)

// samplePage is a page with every shape and optional field in play.
func samplePage(text string, n float64) FeedPage {
	seed := int64(-42)
	avatar := "https://files.test/a?x=1&y=<2>"
	kind := "video"
	audio := "audio"
	origin := "gen_" + text
	flags := []string{"nsfw", text}
	inst := n > 1
	return FeedPage{HasMore: true, NextCursor: text, Feeds: []Feed{
		{ID: "f1", Owner: Owner{ID: "u", Nickname: text, AvatarURL: &avatar, Plan: "pro"},
			Image: &Image{ImageID: "i", URL: "u", ThumbURL: text, BlurURL: "b", Blurhash: "LEHV6n", Width: 7, Height: -1,
				ToolCallID: text, ToolName: "generateImage", Seed: &seed, Prompt: text},
			OriginImageID: &origin, Prompt: text, LikedNumber: 3, IsLiked: true, CreatedAt: Time(time.Unix(5, 0)), Flag: &flags},
		{ID: "f2", MediaType: &kind, Owner: Owner{ID: "u2"}, Video: &Video{TaskID: "t", Status: "completed", Provider: text,
			Duration: &n, Ratio: "16:9", Prompt: text, SourceImageID: "s", VideoID: "v", ThumbID: "th", URL: text,
			ThumbURL: "x", Width: 1, Height: 2, Blurhash: text, ErrorMessage: text, CreatedAt: "c"}},
		{ID: "f3", MediaType: &audio, Audio: &Audio{TaskID: "a", Status: "failed", Provider: "p", Prompt: text,
			Lyrics: text, Style: "s", Title: text, Instrumental: &inst, Duration: &n, AudioID: "x", CoverID: "y",
			URL: "u", CoverURL: text, ErrorMessage: text, CreatedAt: "c"}, Flag: &[]string{}},
		{ID: "f4", Video: &Video{}, Audio: &Audio{}},
	}}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "plain", "quote\" back\\ slash", "<html>&amp;", "\x00\x1f\x7f\t\n\r\b\f",
		"\u2028\u2029 é 🦊", "bad \xff\xfe utf8 \xc3", "\xed\xa0\x80"} {
		for _, n := range []float64{0, 5, 10, 1.5, 1e-7, 1e21, 123456789.125} {
			page := samplePage(text, n)
			want, err := json.Marshal(&page)
			if err != nil {
				t.Fatal(err)
			}
			if got := page.AppendJSON(nil); !bytes.Equal(got, want) {
				t.Fatalf("text %q n %v:\n got %s\nwant %s", text, n, got, want)
			}
			list := FeedList{Feeds: page.Feeds}
			want, _ = json.Marshal(&list)
			if got := list.AppendJSON(nil); !bytes.Equal(got, want) {
				t.Fatalf("list: got %s\nwant %s", got, want)
			}
		}
	}
	var empty FeedPage
	want, _ := json.Marshal(&empty)
	if got := empty.AppendJSON(nil); !bytes.Equal(got, want) {
		t.Fatalf("empty page: got %s, want %s", got, want)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("fox", 5.0)
	f.Add("<\u2028\xff>", 1e-9)
	f.Add("\"\\\x01", 3e22)
	f.Fuzz(func(t *testing.T, text string, n float64) {
		if n != n || n > 1e300 || n < -1e300 { // NaN/Inf never reach a view: durations come from JSON
			return
		}
		page := samplePage(text, n)
		want, err := json.Marshal(&page)
		if err != nil {
			t.Fatal(err)
		}
		if got := page.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}

// benchPage is a realistic first page: 20 image posts with signed URLs.
func benchPage() FeedPage {
	c := New(signer{})
	rows := make([]store.FeedRow, 20)
	for i := range rows {
		rows[i] = store.FeedRow{Feed: store.Feed{ID: "0b5c7f0e-8d1e-4b5a-9c1e-6a7b8c9d0e1f", UserID: "6f1c2d3e-1111-4222-8333-444455556666",
			MediaKind: store.MediaImage, ImageID: "gen_0b5c7f0e-8d1e-4b5a-9c1e-6a7b8c9d0e1f", OriginImageID: "gen_x",
			PublicKey: "public/6f1c2d3e-1111-4222-8333-444455556666/0b5c7f0e-8d1e-4b5a-9c1e-6a7b8c9d0e1f/original.png",
			Prompt:    "a red fox in the snow, watercolor, soft light", LikedNumber: 12, Flags: []string{}, CreatedAt: time.Now()},
			Owner: store.FeedRowOwner{Nickname: "neo", Plan: "pro", Found: true, AvatarKey: "6f1c2d3e/avatar/thumb.jpg"},
			Image: &store.File{ID: "gen_x", StorageKey: "k/original.png", ThumbKey: "k/thumb.jpg", BlurKey: "k/blur.jpg",
				Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", Width: 1024, Height: 768}}
	}
	return FeedPage{Feeds: c.Feeds(rows, ""), HasMore: true, NextCursor: "MTc5NTAwMDAwMDAwMDAwMC4wYjVj"}
}

func BenchmarkFeedPageJSON(b *testing.B) {
	page := benchPage()
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := json.NewEncoder(&buf).Encode(&page); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 64<<10)
		for b.Loop() {
			buf = page.AppendJSON(buf[:0])
		}
		b.SetBytes(int64(len(buf)))
	})
}

func BenchmarkConvertFeedPage(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = benchPage()
	}
}
